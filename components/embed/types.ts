import type { PageContext } from "./protocol";

export type EmbedEventType = "message-sent" | "answer-finished";

/** What the embedded widget (app/embed) gives the shared Chat component. */
export type EmbedChatOptions = {
  title: string;
  welcome: string;
  prompts?: string[];
  /** The request headers that identify the widget's visitor (its embed token). */
  headers: () => Record<string, string>;
  /** "Open in edge-chat": opens a copy of the conversation in the full app, in a new tab. */
  openInApp: (chatId: string) => void;
  /** The host page's last `context` message, for the getPageContext browser tool. */
  pageContext: () => PageContext | undefined;
  onClose: () => void;
  onEvent: (type: EmbedEventType, payload: Record<string, unknown>) => void;
};
