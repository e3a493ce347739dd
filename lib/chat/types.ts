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

/** One entry of GET /api/models. */
export type ModelSummary = {
  id: string;
  label: string;
  provider: "openai" | "workers-ai" | "anthropic" | "google" | "demo";
  supportsTools: boolean;
  isDemo: boolean;
  isDefault: boolean;
};

export type ModelsResponse = { models: ModelSummary[]; defaultModel: string };
