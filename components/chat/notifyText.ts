import { isToolUIPart, type ChatOnFinishCallback } from "ai";
import type { ChatMessage } from "@/lib/chat/types";

/** What useChat's onFinish says about the stream that ended. */
export type FinishEvent = Pick<
  Parameters<ChatOnFinishCallback<ChatMessage>>[0],
  "message" | "isAbort" | "isDisconnect" | "isError"
>;

/** How an answer ended, for someone who was not looking. */
export type FinishOutcome = "ready" | "approval" | "failed";

const NOTICES: Record<FinishOutcome, { mark: string; body: string }> = {
  ready: { mark: "Answer ready", body: "The answer is ready." },
  approval: { mark: "Approval needed", body: "An action is waiting for your approval." },
  failed: { mark: "Answer failed", body: "The answer stopped with an error. Open the chat to try again." },
};

/** The app's name after each page's title (app/layout.tsx's title template, and Chat.tsx's). */
const APP_SUFFIX = " · edge-chat";

/**
 * Whether a stream's end is news for the user, and which: nothing when it was stopped (here, or in another tab: the
 * answer then says `stopped`), when the page only lost the stream (the server goes on writing the answer), or when the
 * page itself continues the answer (it answers a browser tool, then useChat sends again).
 */
export function finishOutcome({ message, isAbort, isDisconnect, isError }: FinishEvent): FinishOutcome | undefined {
  if (isAbort || isDisconnect || message.metadata?.status === "stopped") return undefined;
  if (isError) return "failed";
  const tools = message.parts.filter(isToolUIPart);
  if (tools.some((part) => part.state === "approval-requested")) return "approval";
  if (tools.some((part) => part.state === "input-available")) return undefined;
  return "ready";
}

/** The tab's title while an answer waits to be seen, e.g. "● Answer ready · Paris weather · edge-chat". */
export function markedTitle(title: string, outcome: FinishOutcome): string {
  return `● ${NOTICES[outcome].mark} · ${title}`;
}

/** A notification's title and text: the chat's title, and the start of the answer (or what happened to it). */
export function noticeText(documentTitle: string, outcome: FinishOutcome, message: ChatMessage): { title: string; body: string } {
  const title = (documentTitle.endsWith(APP_SUFFIX) ? documentTitle.slice(0, -APP_SUFFIX.length) : documentTitle) || "edge-chat";
  const text = message.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n\n");
  const preview = outcome === "ready" ? plainPreview(text) : "";
  return { title, body: preview || NOTICES[outcome].body };
}

/**
 * The first words of a markdown answer as plain text, at most `max` characters (cut between words, with "…"): a
 * notification shows text as it is, so `**`, `#`, `>`, links and code fences would show as typed.
 */
export function plainPreview(markdown: string, max = 160): string {
  const plain = markdown
    .replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?(^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, " ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/^ *\|? *:?-{3,}.*$/gm, "")
    .replace(/^ {0,3}(>\s?)+/gm, "")
    .replace(/^ {0,3}(#{1,6}|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/\*+(?=\S)|(?<=\S)\*+|`+|~~|\|/g, "")
    .replace(/(?<!\w)_+|_+(?!\w)/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (plain.length <= max) return plain;
  const cut = plain.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, "")}…`;
}
