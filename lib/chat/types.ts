import type { LanguageModelUsage, UIMessage } from "ai";
import type { ChatUITools } from "@/lib/ai/tools";

/** Metadata the server attaches to each assistant message. */
export type ChatMetadata = {
  /** Registry id of the model that wrote the answer, e.g. "openai:gpt-4o-mini". */
  model?: string;
  usage?: LanguageModelUsage;
};

/** The one message type shared by server and client, so `part.type === "tool-getCurrentTime"` narrows everywhere. */
export type ChatMessage = UIMessage<ChatMetadata, Record<string, never>, ChatUITools>;

/** One entry of GET /api/models. */
export type ModelSummary = {
  id: string;
  label: string;
  provider: "openai" | "workers-ai" | "demo";
  supportsTools: boolean;
  isDemo: boolean;
  isDefault: boolean;
};

export type ModelsResponse = { models: ModelSummary[]; defaultModel: string };
