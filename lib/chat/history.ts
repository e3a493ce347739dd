import "server-only";
import { getToolName, isToolUIPart } from "ai";
import type { ChatTools } from "@/lib/ai/tools";
import { AppError } from "@/lib/errors";
import { checkConversationLimits, LIMITS, tooLarge, utf8Bytes, type ChatRequest } from "./request";
import type { ChatMessage } from "./types";

type ToolPart = Extract<ChatMessage["parts"][number], { toolCallId: string }>;

export type Turn = {
  /** The conversation the model sees, as stored plus what this request adds. */
  messages: ChatMessage[];
  /** Whether the chat still needs a title: no answer of it has completed yet (a title is made after the first). */
  needsTitle: boolean;
};

/** A browser tool has no `execute` on the server: the page answers it. */
export function isBrowserTool(tools: ChatTools, name: string): boolean {
  const tool = tools[name as keyof ChatTools] as { execute?: unknown } | undefined;
  return tool !== undefined && !tool.execute;
}

/**
 * A client-supplied value (a reason, an error, a browser tool's whole output, extra keys included: validation does
 * not strip them) within its cap, measured as JSON.
 */
function checkClientText(value: unknown): void {
  if (utf8Bytes(JSON.stringify(value ?? null)) > LIMITS.maxClientTextBytes) {
    throw tooLarge(`A tool answer or approval reason can hold at most ${LIMITS.maxClientTextBytes} bytes.`);
  }
}

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
      checkClientText(answer.approval.reason);
      changed = true;
      const approval = { ...part.approval, approved: answer.approval.approved, reason: answer.approval.reason };
      return { ...part, state: "approval-responded", approval } as ToolPart;
    }
    if (isBrowserTool(tools, name) && part.state === "input-available") {
      if (answer.state === "output-available") {
        checkClientText(answer.output);
        changed = true;
        return { ...part, state: "output-available", output: answer.output } as ToolPart;
      }
      if (answer.state === "output-error") {
        checkClientText(answer.errorText);
        changed = true;
        return { ...part, state: "output-error", errorText: answer.errorText } as ToolPart;
      }
    }
    return part;
  });
  return changed ? { ...stored, parts } : undefined;
}

/**
 * Applies this request to the stored conversation (its object sends it along, lib/chat/conversation-core.ts): a new
 * user message, answers to the last assistant message, or a regeneration (which drops the old answer). The object
 * stores the change once the turn is accepted; this only checks it and gives the model its input.
 */
export function prepareTurn(stored: ChatMessage[], request: ChatRequest, tools: ChatTools): Turn {
  const { message, trigger, messageId } = request;
  const needsTitle = !stored.some((candidate) => candidate.role === "assistant" && candidate.metadata?.status === "complete");
  const checkLimits = (messages: ChatMessage[]) => checkConversationLimits(messages, (name) => isBrowserTool(tools, name));

  if (trigger === "regenerate-message") {
    const index = stored.findIndex((candidate) => candidate.id === messageId);
    const target = stored[index];
    let messages = stored;
    if (target?.role === "assistant") messages = stored.slice(0, index);
    else if (target === undefined && stored.at(-1)?.role !== "user") {
      throw new AppError("not_found:chat", "There is no such answer to regenerate.");
    }
    if (messages.at(-1)?.role !== "user") throw new AppError("bad_request:chat", "There is no question to answer again.");
    checkLimits(messages);
    return { messages, needsTitle };
  }

  if (!message) throw new AppError("bad_request:chat", "Send the new message as `message`.");
  if (message.role === "user") {
    if (stored.some((candidate) => candidate.id === message.id)) {
      throw new AppError("conflict:chat", "This message was already sent.");
    }
    const messages = [...stored, message];
    checkLimits(messages);
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
  checkLimits(messages);
  return { messages, needsTitle };
}
