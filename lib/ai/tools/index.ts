import type { InferUITools } from "ai";
import { getCurrentTime } from "./get-current-time";

/** Every tool the server offers a model. A model without tool support gets none (see lib/ai/models.ts). */
export const chatTools = { getCurrentTime };

export type ChatTools = typeof chatTools;
export type ChatUITools = InferUITools<ChatTools>;
