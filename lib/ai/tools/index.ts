import type { InferUITools, ToolApprovalConfiguration } from "ai";
import { browserTools } from "./browser";
import { calculate } from "./calculate";
import { getCurrentTime } from "./get-current-time";
import { createGetWeather } from "./get-weather";
import { createListNotes, createSaveNote, type NoteStore } from "./notes";
import { guardToolErrors } from "./tool-error";

export type ChatToolsContext = {
  /** Replaces Open-Meteo's hosts (tests, proxies); unset means the public service. */
  weatherBaseUrl?: string;
  /** The asking visitor's notes. */
  notes: NoteStore;
};

/**
 * Every tool the server offers a model. A model without tool support gets none (see lib/ai/models.ts). Their errors
 * are guarded: only ToolError messages reach the card and the model (./tool-error.ts).
 */
export function createChatTools({ weatherBaseUrl, notes }: ChatToolsContext) {
  return guardToolErrors({
    getWeather: createGetWeather({ baseUrl: weatherBaseUrl }),
    calculate,
    getCurrentTime,
    saveNote: createSaveNote(notes),
    listNotes: createListNotes(notes),
    ...browserTools,
  });
}

/** The tools of a chat outside an embed: no host page, so no getPageContext (its calls would never be answered). */
export function withoutEmbedTools(tools: ChatTools): ChatTools {
  const { getPageContext: _embedOnly, ...rest } = tools;
  void _embedOnly;
  return rest as ChatTools;
}

export type ChatTools = ReturnType<typeof createChatTools>;
export type ChatUITools = InferUITools<ChatTools>;

/** Tools with side effects wait for the user's yes; the rest run at once. */
export const chatToolApproval: ToolApprovalConfiguration<ChatTools, unknown> = { saveNote: "user-approval" };
