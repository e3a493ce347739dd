import "server-only";
import { getToolName, isToolUIPart } from "ai";
import type { ChatTools } from "@/lib/ai/tools";
import type { ChatStore } from "@/lib/db/chats";
import { AppError } from "@/lib/errors";
import { checkConversationLimits, type ChatRequest } from "./request";
import type { ChatMessage } from "./types";

type ToolPart = Extract<ChatMessage["parts"][number], { toolCallId: string }>;

export type Turn = {
  /** The conversation the model sees, as stored plus what this request adds. */
  messages: ChatMessage[];
  /** Whether the chat still needs a title. */
  needsTitle: boolean;
};

const notFound = () => new AppError("not_found:chat", "This chat does not exist.");

/**
 * Takes from the client's copy of the last answer only what the user may add to it: approval responses to the
 * approvals the server asked for, and outputs of browser tools (tools without `execute`) the server left open.
 * Everything else (text, inputs, server tool outputs, signatures) comes from the stored copy.
 */
export function mergeClientAnswers(stored: ChatMessage, client: ChatMessage, tools: ChatTools): ChatMessage | undefined {
  const answers = new Map(client.parts.filter(isToolUIPart).map((part) => [part.toolCallId, part as ToolPart]));
  let changed = false;
  const parts = stored.parts.map((part) => {
    if (!isToolUIPart(part)) return part;
    const answer = answers.get(part.toolCallId);
    const name = getToolName(part);
    if (!answer || getToolName(answer) !== name) return part;
    if (
      part.state === "approval-requested" &&
      answer.state === "approval-responded" &&
      answer.approval.id === part.approval.id
    ) {
      changed = true;
      const approval = { ...part.approval, approved: answer.approval.approved, reason: answer.approval.reason };
      return { ...part, state: "approval-responded", approval } as ToolPart;
    }
    const isBrowserTool = !(tools[name as keyof ChatTools] as { execute?: unknown } | undefined)?.execute;
    if (isBrowserTool && part.state === "input-available") {
      if (answer.state === "output-available") {
        changed = true;
        return { ...part, state: "output-available", output: answer.output } as ToolPart;
      }
      if (answer.state === "output-error") {
        changed = true;
        return { ...part, state: "output-error", errorText: answer.errorText } as ToolPart;
      }
    }
    return part;
  });
  return changed ? { ...stored, parts } : undefined;
}

/**
 * Loads the conversation from D1 and applies this request to it: a new user message (saved before the model is
 * called), answers to the last assistant message, or a regeneration (which drops the old answer).
 * Another visitor's chat is "not found", so ids cannot be probed.
 */
export async function prepareTurn(chats: ChatStore, request: ChatRequest, tools: ChatTools): Promise<Turn> {
  const { id, message, trigger, messageId, model } = request;
  let chat = await chats.get(id);
  if (!chat) {
    if (trigger !== "submit-message" || message?.role !== "user") throw notFound();
    chat = await chats.create({ id, model });
    if (!chat) throw notFound();
  }
  let stored = await chats.messages(id);
  const needsTitle = chat.title === null;

  if (trigger === "regenerate-message") {
    const index = stored.findIndex((candidate) => candidate.id === messageId);
    const target = stored[index];
    if (target?.role === "assistant") {
      await chats.deleteMessagesFrom(id, target.id);
      stored = stored.slice(0, index);
    } else if (target === undefined && stored.at(-1)?.role !== "user") {
      throw new AppError("not_found:chat", "There is no such answer to regenerate.");
    }
    if (stored.at(-1)?.role !== "user") throw new AppError("bad_request:chat", "There is no question to answer again.");
    checkConversationLimits(stored);
    return { messages: stored, needsTitle };
  }

  if (!message) throw new AppError("bad_request:chat", "Send the new message as `message`.");
  if (message.role === "user") {
    if (stored.some((candidate) => candidate.id === message.id)) {
      throw new AppError("conflict:chat", "This message was already sent.");
    }
    const messages = [...stored, message];
    checkConversationLimits(messages);
    await chats.saveMessage(id, { message, status: "complete" });
    return { messages, needsTitle };
  }

  // The client continues the last answer (a tool approval or a browser tool's output).
  const last = stored.at(-1);
  if (last?.role !== "assistant" || last.id !== message.id) {
    throw new AppError("conflict:chat", "Only the latest answer can be continued.");
  }
  const merged = mergeClientAnswers(last, message, tools);
  if (!merged) throw new AppError("conflict:chat", "This answer has nothing new to continue from.");
  const messages = [...stored.slice(0, -1), merged];
  checkConversationLimits(messages);
  return { messages, needsTitle };
}
