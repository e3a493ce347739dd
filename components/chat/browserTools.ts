import {
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  getToolName,
} from "ai";
import { BROWSER_TOOL_NAMES } from "@/lib/ai/tools/browser-client";
import type { ChatMessage } from "@/lib/chat/types";

/** The tools the page answers (the server declares them without `execute`: lib/ai/tools/browser.ts). */
export const BROWSER_TOOLS: ReadonlySet<string> = new Set(BROWSER_TOOL_NAMES);

/** The last step of the last assistant message called a browser tool. */
function lastStepHasBrowserTool(messages: ChatMessage[]): boolean {
  const last = messages.at(-1);
  if (last?.role !== "assistant") return false;
  const stepStart = last.parts.findLastIndex((part) => part.type === "step-start");
  return last.parts.slice(stepStart + 1).some((part) => isToolUIPart(part) && BROWSER_TOOLS.has(getToolName(part)));
}

/**
 * useChat's sendAutomaticallyWhen: the follow-up request goes by itself once every approval in the last step is
 * answered, or once the page has answered a browser tool (and every other call of that step has its result).
 * Server tools alone never trigger it, so a stream that ended on server results cannot loop.
 */
export function shouldSendAutomatically({ messages }: { messages: ChatMessage[] }): boolean {
  if (lastAssistantMessageIsCompleteWithApprovalResponses({ messages })) return true;
  return lastAssistantMessageIsCompleteWithToolCalls({ messages }) && lastStepHasBrowserTool(messages);
}
