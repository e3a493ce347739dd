/**
 * Anthropic Messages through the real route and the real @ai-sdk/anthropic provider, over real HTTP: the recorded
 * streams (tests/fixtures/recorded/anthropic-*) replayed verbatim, a tool round trip whose input arrives as
 * `input_json_delta` fragments, and the `overloaded_error` event mid-stream and HTTP 529. HTTP 401/429/500, a drop
 * and a stall mid-stream are in upstream-errors.test.ts, with every other provider.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic";
import { fixtureLines } from "../support/fake-openai";
import { tinyChunks } from "../support/http-fake";
import { ANTHROPIC_MODEL, ANTHROPIC_TEST_KEY, anthropicEnv, expectSafeErrorText, spyOnConsoleError } from "../support/presets";
import { BrowserChat, storedChat } from "../support/ui-client";

let fake: FakeAnthropic;
let consoleError: MockInstance<typeof console.error>;
const setEnv = cleanEnvPerTest();

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  consoleError = spyOnConsoleError();
});
afterEach(() => {
  consoleError.mockRestore();
});

/** The text a recording carries: every text_delta, concatenated. */
function recordedText(file: string): string {
  return fixtureLines(file)
    .map((line) => JSON.parse(line))
    .map((chunk) => (chunk.delta?.type === "text_delta" ? chunk.delta.text : ""))
    .join("");
}

describe("Anthropic recordings", () => {
  it("claude-sonnet-4-5 text: exactly the recorded text (its ping skipped), usage and model metadata", async () => {
    const expected = recordedText("anthropic-text.chunks.txt");
    expect(expected).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    setEnv(anthropicEnv(fake));
    fake.reply({ type: "replay", file: "anthropic-text.chunks.txt" });

    const result = await chat(chatBody({ text: "Hi, how are you?" }));

    expect(result.response.status).toBe(200);
    expect(result.text).toBe(expected);
    expect(result.errors).toEqual([]);
    expect(result.sawDone).toBe(true);
    expect(result.finish?.finishReason).toBe("stop");
    expect(result.metadata).toMatchObject({
      model: `anthropic:${ANTHROPIC_MODEL}`,
      usage: { inputTokens: 12, outputTokens: 30, totalTokens: 42 },
    });

    // What the app sent: the Messages API, its key and version headers, the system prompt, the tools.
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe("/v1/messages");
    expect(request.headers["x-api-key"]).toBe(ANTHROPIC_TEST_KEY);
    expect(request.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request.body).toMatchObject({ model: ANTHROPIC_MODEL, stream: true, max_tokens: 4096 });
    expect(JSON.stringify(request.body.system)).toContain("You are edge-chat");
    expect(request.body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Hi, how are you?" }] }]);
    expect(request.body.tools.map((tool: { name: string }) => tool.name)).toContain("calculate");
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("a tool_use whose input arrives in input_json_delta fragments, to a tool the app does not offer ('json') → a tool-input-error, then the answer", async () => {
    setEnv(anthropicEnv(fake));
    fake.reply({ type: "replay", file: "anthropic-json-tool.1.chunks.txt" }, { type: "text", deltas: ["I have ", "no such tool."] });

    const result = await chat(chatBody({ text: "Weather as JSON?" }));

    expect(result.toolInputErrors).toHaveLength(1);
    expect(result.toolInputErrors[0]).toMatchObject({
      toolCallId: "toolu_01KFbKqPYSuAKujiL6mTfzYA",
      toolName: "json",
      // The fragments joined up into the recorded input.
      input: { elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }] },
    });
    expect(result.toolInputErrors[0].errorText).toMatch(/unavailable tool 'json'/);
    expect(result.text).toBe("I have no such tool.");
    expect(result.errors).toEqual([]);
    // The second request tells the model its call failed, under the call's id.
    const toolResult = fake.requests[1].body.messages
      .flatMap((message: { content: { type: string }[] }) => message.content)
      .find((part: { type: string }) => part.type === "tool_result");
    expect(toolResult).toMatchObject({ tool_use_id: "toolu_01KFbKqPYSuAKujiL6mTfzYA", is_error: true });
  });

  it("text then a tool_use without input, aimed at listNotes: the text is kept, the tool runs, the answer follows", async () => {
    setEnv(anthropicEnv(fake));
    fake.reply(
      { type: "replay", file: "anthropic-tool-no-args.chunks.txt", transform: (line) => line.replace('"updateIssueList"', '"listNotes"') },
      { type: "text", deltas: ["You have ", "no notes."] },
    );

    const result = await chat(chatBody({ text: "List my notes" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputs).toMatchObject([{ toolCallId: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", toolName: "listNotes", input: {} }]);
    expect(result.toolOutputs).toMatchObject([{ toolCallId: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP", output: { notes: [] } }]);
    expect(result.text).toBe("I'll update the issue list for you.You have no notes.");
    expect(result.finish?.finishReason).toBe("stop");
  });
});

describe("Anthropic tool round trip", () => {
  it("calculate, its input in 1–3 character input_json_delta fragments: the tool runs, its result goes back as tool_result", async () => {
    const args = '{"expression":"(17.5 * 3) / 4"}';
    setEnv(anthropicEnv(fake));
    fake.reply(
      { type: "tool-calls", text: "Let me calculate.", calls: [{ toolName: "calculate", argChunks: tinyChunks(args), id: "toolu_calc" }] },
      { type: "text", deltas: ["(17.5 × 3) / 4 ", "= 13.125."] },
    );

    const result = await chat(chatBody({ text: "Calculate (17.5 * 3) / 4" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta).join("")).toBe(args);
    expect(result.toolInputDeltas.length).toBeGreaterThan(10);
    expect(result.toolInputs).toMatchObject([{ toolCallId: "toolu_calc", toolName: "calculate", input: { expression: "(17.5 * 3) / 4" } }]);
    expect(result.toolOutputs).toMatchObject([{ toolCallId: "toolu_calc", output: { expression: "(17.5 * 3) / 4", result: 13.125 } }]);
    expect(result.text).toBe("Let me calculate.(17.5 × 3) / 4 = 13.125.");

    // The second request replays the call and carries its result.
    expect(fake.requests).toHaveLength(2);
    const messages = fake.requests[1].body.messages as { role: string; content: Record<string, unknown>[] }[];
    expect(messages.at(-2)).toMatchObject({
      role: "assistant",
      content: [
        { type: "text", text: "Let me calculate." },
        { type: "tool_use", id: "toolu_calc", name: "calculate", input: { expression: "(17.5 * 3) / 4" } },
      ],
    });
    expect(messages.at(-1)).toMatchObject({ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_calc" }] });
    expect(JSON.stringify(messages.at(-1)!.content[0].content)).toContain("13.125");
  });
});

describe("Anthropic overloaded", () => {
  it("an overloaded_error event mid-stream → the partial text, one safe error part, the partial answer stored as failed", async () => {
    setEnv(anthropicEnv(fake));
    fake.reply({ type: "text", deltas: ["The first ", "half of ", "an answer ", "never ends."], overloadedAfterDeltas: 2 });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.text).toBe("The first half of ");
    expect(result.errors).toEqual(["The model provider is overloaded (HTTP 529). Try again in a moment."]);
    expectSafeErrorText(result.errors[0]);
    expect(result.types.indexOf("error")).toBeGreaterThan(result.types.lastIndexOf("text-delta"));
    expect(result.sawDone).toBe(true);
    // Text had reached the client: no retry.
    expect(fake.requests).toHaveLength(1);

    const { messages } = await storedChat(browser.id, browser.cookie!);
    const answer = messages.at(-1)!;
    expect(answer.role).toBe("assistant");
    expect(answer.metadata?.status).toBe("error");
    expect(answer.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual(["The first half of "]);
  });

  it("HTTP 529 on every attempt → retried once, then one safe error part", async () => {
    setEnv(anthropicEnv(fake));
    fake.replyAlways({ type: "error", status: 529 });

    const result = await chat(chatBody({ text: "Hello" }));

    expect(result.types).toEqual(["start", "error"]);
    expect(result.errors).toEqual(["The model provider is overloaded (HTTP 529). Try again in a moment."]);
    expect(fake.requests).toHaveLength(2);
    expect(consoleError).toHaveBeenCalledTimes(1);
  });

  it("HTTP 529 once → the retry answers", async () => {
    setEnv(anthropicEnv(fake));
    fake.reply({ type: "error", status: 529 }, { type: "text", deltas: ["Back ", "again."] });

    const result = await chat(chatBody({ text: "Hello" }));

    expect(result.errors).toEqual([]);
    expect(result.text).toBe("Back again.");
    expect(fake.requests).toHaveLength(2);
  });
});
