import type { PageContext } from "./protocol";

export type EmbedEventType = "message-sent" | "answer-finished";

/** What the embedded widget (app/embed) gives the shared Chat component. */
export type EmbedChatOptions = {
  welcome: string;
  prompts?: string[];
  /** The request headers that identify the widget's visitor (its embed token). */
  headers: () => Record<string, string>;
  /** The host page's last `context` message, for the getPageContext browser tool. */
  pageContext: () => PageContext | undefined;
  onEvent: (type: EmbedEventType, payload: Record<string, unknown>) => void;
};
