/** The offline demo model through the real POST /api/chat: what a fresh clone with no configuration serves. */
import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { describe, expect, it, vi } from "vitest";
import { planDemoTurn } from "@/lib/ai/providers/demo";
import { chat, chatBody, iterateChunks, postChat, cleanEnvPerTest } from "../support/chat-client";

const setEnv = cleanEnvPerTest();

function plannedText(question: string): string {
  const prompt: LanguageModelV4Prompt = [{ role: "user", content: [{ type: "text", text: question }] }];
  const turn = planDemoTurn(prompt, new Set());
  if (turn.kind !== "text") throw new Error("expected a text turn");
  return turn.text;
}

describe("POST /api/chat with no provider configured (demo model)", () => {
  it("answers 200 with the UI message stream SSE headers", async () => {
    // Nothing set at all, not even DEMO_DELAY_MS: read the headers and the first parts, then hang up.
    const response = await postChat(chatBody({ text: "Hello there" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");

    const first: string[] = [];
    for await (const chunk of iterateChunks(response)) {
      if (chunk === "[DONE]") break;
      first.push(chunk.type);
      if (chunk.type === "text-delta") break; // leaving the loop cancels the body
    }
    expect(first).toEqual(["start", "start-step", "text-start", "text-delta"]);
  });

  it("a client that hangs up mid-answer is not logged as a failure", async () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      setEnv({ DEMO_DELAY_MS: "5" });
      const response = await postChat(chatBody({ text: "Write a long essay" }));
      const reader = response.body!.getReader();
      await reader.read();
      await reader.read();
      await reader.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });

  it("streams the demo answer: exact text, chunk order, model metadata, usage", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const question = "Hello there, what can you do?";

    const result = await chat(chatBody({ text: question }));

    expect(result.text).toBe(plannedText(question));
    expect(result.text).toContain("## What this demo shows");
    const order = result.types.filter((type, i, all) => type !== "text-delta" || all[i - 1] !== "text-delta");
    expect(order).toEqual(["start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish", "data-title"]);
    expect(result.sawDone).toBe(true);
    expect(result.errors).toEqual([]);

    expect(result.start).toMatchObject({ type: "start", messageMetadata: { model: "demo:offline" } });
    expect(result.start?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.finish).toMatchObject({ type: "finish", finishReason: "stop" });
    expect(result.metadata?.model).toBe("demo:offline");
    expect(result.metadata?.usage?.inputTokens).toBeGreaterThan(0);
    expect(result.metadata?.usage?.outputTokens).toBeGreaterThan(50);
  });

  it("the model can be picked explicitly as demo:offline", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const result = await chat(chatBody({ text: "Hi", model: "demo:offline" }));
    expect(result.response.status).toBe(200);
    expect(result.text).toBe(plannedText("Hi"));
  });

  it("a time question: tool card chunks, tool output, then the answer from it, in two steps", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });

    const result = await chat(chatBody({ text: "What time is it in Tokyo?" }));

    expect(result.errors).toEqual([]);
    const order = result.types.filter((type, i, all) => type !== all[i - 1] || !type.endsWith("-delta"));
    expect(order).toEqual([
      "start",
      "start-step",
      "tool-input-start",
      "tool-input-delta",
      "tool-input-available",
      "tool-output-available",
      "finish-step",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
      // The first turn of a chat ends with its title.
      "data-title",
    ]);
    expect(result.toolInputs).toMatchObject([{ toolName: "getCurrentTime", input: { timeZone: "Asia/Tokyo" } }]);
    const output = result.toolOutputs[0].output as { timeZone: string; local: string };
    expect(output.timeZone).toBe("Asia/Tokyo");
    expect(result.text).toContain(`In **Asia/Tokyo** it is currently **${output.local}**.`);
    expect(result.metadata?.model).toBe("demo:offline");
  });

  it("a tool failure reaches the client as tool-output-error with the tool's own message, then an answer", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });

    const result = await chat(chatBody({ text: "What time is it in Atlantis?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolErrors).toHaveLength(1);
    expect(result.toolErrors[0].errorText).toContain('"Atlantis" is not a known IANA time zone');
    expect(result.text).toContain("The `getCurrentTime` tool failed");
    expect(result.finish?.finishReason).toBe("stop");
  });

  it("continues a conversation that already holds a tool call", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const messages = [
      { id: "u1", role: "user", parts: [{ type: "text", text: "What time is it in Paris?" }] },
      {
        id: "a1",
        role: "assistant",
        parts: [
          { type: "step-start" },
          {
            type: "tool-getCurrentTime",
            toolCallId: "call-1",
            state: "output-available",
            input: { timeZone: "Europe/Paris" },
            output: { timeZone: "Europe/Paris", iso: "2026-01-01T00:00:00.000Z", local: "Thursday 1 January 2026 at 01:00:00 CET" },
          },
          { type: "step-start" },
          { type: "text", text: "It is 01:00 in Paris." },
        ],
      },
      { id: "u2", role: "user", parts: [{ type: "text", text: "Thanks! And now?" }] },
    ];

    const result = await chat(chatBody({ messages }));

    expect(result.response.status).toBe(200);
    expect(result.errors).toEqual([]);
    expect(result.text).toBe(plannedText("Thanks! And now?"));
  });
});
