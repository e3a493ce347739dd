import type { ReactNode } from "react";
import type { PageContext } from "./protocol";

export type EmbedEventType = "message-sent" | "answer-finished";

/** What the embedded widget (app/embed) gives the shared Chat component. */
export type EmbedChatOptions = {
  /**
   * The widget's header (components/chat/EmbedHeader.tsx), given by the widget so the app's chat page never loads it:
   * `chatId` is the conversation, `hasMessages` whether it has started.
   */
  header: (state: { chatId: string; hasMessages: boolean }) => ReactNode;
  welcome: string;
  prompts?: string[];
  /** The request headers that identify the widget's visitor (its embed token). */
  headers: () => Record<string, string>;
  /** The host page's last `context` message, for the getPageContext browser tool. */
  pageContext: () => PageContext | undefined;
  onEvent: (type: EmbedEventType, payload: Record<string, unknown>) => void;
};
