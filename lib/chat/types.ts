import type { LanguageModelUsage, UIMessage } from "ai";
import type { ChatUITools } from "@/lib/ai/tools";
import type { MessageStatus } from "@/lib/db/schema";

export type { MessageStatus };

/** Metadata the server attaches to each assistant message. */
export type ChatMetadata = {
  /** Registry id of the model that wrote the answer, e.g. "openai:gpt-4o-mini". */
  model?: string;
  /** Set when another model was asked first and failed before its first token (MODEL_FALLBACKS): its registry id. */
  fallbackFrom?: string;
  usage?: LanguageModelUsage;
  /** How a stored answer ended; a stopped or failed one is marked in the UI. */
  status?: MessageStatus;
  /** How long the model's reasoning streamed, in ms (the Thinking part says it). */
  reasoningMs?: number;
  /** The widget's shared answer to an opening question (lib/chat/embed-cache.ts), not a new model call. */
  cached?: boolean;
  /** Time to the first token, from the start of the turn (ms), and output tokens per second after it. */
  ttftMs?: number;
  tokensPerSecond?: number;
};

/** Data parts the server streams besides the answer. `title`: the conversation's generated title (transient). */
export type ChatDataParts = { title: { title: string } };

/** The one message type shared by server and client, so `part.type === "tool-getCurrentTime"` narrows everywhere. */
export type ChatMessage = UIMessage<ChatMetadata, ChatDataParts, ChatUITools>;

/** One entry of GET /api/models. The `supports…` flags are what the model can do (lib/ai/models.ts), the picker's badges. */
export type ModelSummary = {
  id: string;
  label: string;
  provider: "openai" | "workers-ai" | "anthropic" | "google" | "demo";
  /** Takes a tools list; a model without chats with tools off. */
  supportsTools: boolean;
  /** Thinks before it answers. */
  supportsReasoning: boolean;
  /** Reads images. The chat sends text only (no attachments): this says what the model could do. */
  supportsImages: boolean;
  isDemo: boolean;
  isDefault: boolean;
};

/** "supportsTools" | "supportsReasoning" | "supportsImages". */
export type ModelCapability = Extract<keyof ModelSummary, `supports${string}`>;

export type ModelsResponse = { models: ModelSummary[]; defaultModel: string };
