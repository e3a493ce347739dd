import {
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  getToolName,
} from "ai";
import { browserTools } from "@/lib/ai/tools/browser";
import type { ChatMessage } from "@/lib/chat/types";

/** The tools the page answers: those the server declares without `execute` (lib/ai/tools/browser.ts). */
export const BROWSER_TOOLS = new Set(
  Object.entries(browserTools)
    .filter(([, tool]) => !tool.execute)
    .map(([name]) => name),
);

/**
 * Old names ICU (and so Chromium) still reports for zones IANA renamed: Playwright's "Asia/Kolkata" comes back from
 * resolvedOptions() as "Asia/Calcutta". The user should see the name they know.
 */
const RENAMED_ZONES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Dacca": "Asia/Dhaka",
  "Asia/Thimbu": "Asia/Thimphu",
  "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
  "Asia/Ujung_Pandang": "Asia/Makassar",
  "Europe/Kiev": "Europe/Kyiv",
  "Europe/Uzhgorod": "Europe/Kyiv",
  "Europe/Zaporozhye": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Mendoza": "America/Argentina/Mendoza",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

export type UserTimezone = { timeZone: string; locale: string; localTime: string };

/** getUserTimezone's answer, read from this browser. The lengths match the tool's outputSchema. */
export function readUserTimezone(now = new Date()): UserTimezone {
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const timeZone = RENAMED_ZONES[reported] ?? reported;
  let locale = navigator.language || "en-US";
  let localTime: string;
  try {
    localTime = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(now);
  } catch {
    // navigator.language can be a tag Intl does not take.
    locale = "en-US";
    localTime = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(now);
  }
  return { timeZone: timeZone.slice(0, 64), locale: locale.slice(0, 64), localTime: localTime.slice(0, 100) };
}

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
