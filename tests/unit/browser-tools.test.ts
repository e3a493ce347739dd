/**
 * The page's side of browser tools (components/chat/browserTools.ts): which calls it answers, and when useChat sends
 * the follow-up request by itself.
 */
import { describe, expect, it } from "vitest";
import { BROWSER_TOOLS, shouldSendAutomatically } from "@/components/chat/browserTools";
import type { ChatMessage } from "@/lib/chat/types";
import { testChatTools } from "../support/tools";

type Part = ChatMessage["parts"][number];

/** A question and the answer so far, whose last step holds `parts`. */
function conversation(...parts: Part[]): ChatMessage[] {
  return [
    { id: "m-user", role: "user", parts: [{ type: "text", text: "What is this page about?" }] },
    { id: "m-answer", role: "assistant", parts: [{ type: "step-start" }, ...parts] },
  ];
}

const pageContextAnswered: Part = {
  type: "tool-getPageContext",
  toolCallId: "call-page",
  state: "output-available",
  input: {},
  output: { available: true, title: "Acme Rockets: pricing" },
};

describe("browser tools in the page", () => {
  it("answers exactly the tools the server offers without execute", () => {
    const withoutExecute = Object.entries(testChatTools())
      .filter(([, tool]) => !tool.execute)
      .map(([name]) => name);
    expect([...BROWSER_TOOLS].sort()).toEqual(withoutExecute.sort());
    expect(BROWSER_TOOLS).toEqual(new Set(["getUserTimezone", "getPageContext"]));
  });

  it("sends the follow-up once the page answered getPageContext (the embed widget)", () => {
    expect(shouldSendAutomatically({ messages: conversation(pageContextAnswered) })).toBe(true);
  });

  it("sends the follow-up once the page answered getUserTimezone", () => {
    const answered: Part = {
      type: "tool-getUserTimezone",
      toolCallId: "call-tz",
      state: "output-available",
      input: {},
      output: { timeZone: "Europe/Paris", locale: "fr-FR", localTime: "jeudi 15 janvier 2026 à 14:00" },
    };
    expect(shouldSendAutomatically({ messages: conversation(answered) })).toBe(true);
  });

  it("waits while a browser tool has no answer, and never sends after server tools alone", () => {
    const pending: Part = { type: "tool-getPageContext", toolCallId: "call-page", state: "input-available", input: {} };
    expect(shouldSendAutomatically({ messages: conversation(pending) })).toBe(false);
    const serverResult: Part = {
      type: "tool-calculate",
      toolCallId: "call-calc",
      state: "output-available",
      input: { expression: "1+1" },
      output: { expression: "1+1", result: 2 },
    };
    expect(shouldSendAutomatically({ messages: conversation(serverResult) })).toBe(false);
  });
});
