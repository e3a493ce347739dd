/**
 * Recorded OpenAI streams (tests/fixtures/recorded/) replayed by the fake upstream through the real route and the
 * real @ai-sdk/openai provider, over real HTTP.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import { fixtureLines, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";
import { expectSafeErrorText, OPENAI_MODEL, openAIEnv, spyOnConsoleError } from "../support/presets";

let fake: FakeOpenAI;
let consoleError: MockInstance<typeof console.error>;
const setEnv = cleanEnvPerTest();

beforeAll(async () => {
  fake = await startFakeOpenAI();
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

/** The text a Chat Completions recording carries: every choices[0].delta.content, concatenated. */
function expectedChatText(file: string): string {
  return fixtureLines(file)
    .map((line) => JSON.parse(line))
    .map((chunk) => chunk.choices?.[0]?.delta?.content ?? "")
    .join("");
}

describe("Chat Completions recordings", () => {
  it("gpt-4.1-nano text: the client receives exactly the recorded text, with usage and model metadata", async () => {
    const file = "openai-chat-openai-text.chunks.txt";
    const expected = expectedChatText(file);
    expect(expected.length).toBeGreaterThan(1000);
    setEnv(openAIEnv(fake, "chat"));
    fake.reply({ type: "replay", file });

    const result = await chat(chatBody({ text: "Invent a holiday and describe its traditions." }));

    expect(result.response.status).toBe(200);
    expect(result.text).toBe(expected);
    expect(result.errors).toEqual([]);
    expect(result.sawDone).toBe(true);
    expect(result.start?.messageMetadata).toEqual({ model: `openai:${OPENAI_MODEL}` });
    expect(result.finish).toMatchObject({ type: "finish", finishReason: "stop" });
    // The recording's final usage chunk: 16 prompt tokens, 300 completion tokens.
    expect(result.metadata?.model).toBe(`openai:${OPENAI_MODEL}`);
    expect(result.metadata?.usage).toMatchObject({ inputTokens: 16, outputTokens: 300, totalTokens: 316 });
    // One text part, opened before and closed after its deltas.
    expect(result.types.filter((type) => type === "text-start")).toHaveLength(1);
    expect(result.types.indexOf("text-end")).toBeGreaterThan(result.types.lastIndexOf("text-delta"));

    // What the app sent upstream.
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer test");
    expect(request.body).toMatchObject({
      model: OPENAI_MODEL,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 4096,
      tool_choice: "auto",
    });
    expect(request.body.messages[0]).toMatchObject({ role: "system" });
    expect(request.body.messages[0].content).toContain("You are edge-chat");
    expect(request.body.messages.at(-1)).toEqual({ role: "user", content: "Invent a holiday and describe its traditions." });
    expect(request.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toContain("getCurrentTime");
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("grok-3-mini (OpenAI-compatible) text: exactly the recorded content; reasoning never leaks into the answer", async () => {
    const file = "openai-compatible-chat-xai-text.chunks.txt";
    const expected = expectedChatText(file);
    const reasoning = fixtureLines(file)
      .map((line) => JSON.parse(line).choices?.[0]?.delta?.reasoning_content ?? "")
      .join("");
    expect(expected.length).toBeGreaterThan(0);
    expect(reasoning.length).toBeGreaterThan(100);
    setEnv(openAIEnv(fake, "chat"));
    fake.reply({ type: "replay", file });

    const result = await chat(chatBody({ text: "Hi" }));

    expect(result.text).toBe(expected);
    expect(result.text).not.toContain(reasoning.slice(0, 40));
    expect(result.errors).toEqual([]);
    expect(result.finish?.finishReason).toBe("stop");
    expect(result.metadata?.usage).toMatchObject({ inputTokens: 12, outputTokens: 2 });
  });

  it("grok-3-mini tool call to a tool the app does not offer ('weather'): a tool-input-error part, then the loop goes on", async () => {
    setEnv(openAIEnv(fake, "chat"));
    fake.reply(
      { type: "replay", file: "openai-compatible-chat-xai-tool-call.chunks.txt" },
      { type: "text", deltas: ["I cannot check ", "the weather."] },
    );

    const result = await chat(chatBody({ text: "What is the weather in San Francisco?" }));

    expect(result.toolInputErrors).toHaveLength(1);
    expect(result.toolInputErrors[0]).toMatchObject({
      toolName: "weather",
      input: { location: "San Francisco" },
    });
    expect(result.toolInputErrors[0].errorText).toMatch(/unavailable tool 'weather'/);
    expect(result.toolOutputs).toEqual([]);
    expect(result.text).toBe("I cannot check the weather.");
    expect(result.errors).toEqual([]);

    // The second request tells the model its call failed.
    expect(fake.requests).toHaveLength(2);
    const toolMessage = fake.requests[1].body.messages.find((message: { role: string }) => message.role === "tool");
    expect(toolMessage).toMatchObject({ tool_call_id: "call_79382389" });
    expect(toolMessage.content).toMatch(/unavailable tool 'weather'/);
  });
});

describe("Responses recordings (event: lines before each data: line)", () => {
  const PARALLEL = "openai-responses-parallel-tool-call-wrapper.1.chunks.txt";

  it("the parallel tool-call wrapper, verbatim: the wrapper reaches the client as tool parts and the stream stays clean", async () => {
    // The recording's wrapper targets `weather` and `cityAttractions`, which this app does not offer, so the provider
    // cannot expand it and passes the `parallel` call through. Its response.created and response.completed lines are
    // not valid JSON in the upstream recording itself; each becomes a safe error part, not a broken stream.
    setEnv(openAIEnv(fake, "responses"));
    fake.reply({ type: "replay", file: PARALLEL }, { type: "text", deltas: ["Sorry, ", "I can only tell the time."] });

    const result = await chat(chatBody({ text: "Weather in SF and attractions in Rome?" }));

    expect(result.response.status).toBe(200);
    expect(fake.requests[0].path).toBe("/v1/responses");
    expect(result.toolInputStarts).toMatchObject([{ toolCallId: "call_parallel", toolName: "parallel" }]);
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta).join("")).toContain('"recipient_name":"functions.weather"');
    expect(result.toolInputErrors).toMatchObject([{ toolCallId: "call_parallel", toolName: "parallel" }]);
    expect(result.text).toBe("Sorry, I can only tell the time.");
    expect(result.finish?.finishReason).toBe("stop");
    expect(result.sawDone).toBe(true);
    expect(result.errors).toEqual([
      "The answer was interrupted by an error. Try again.",
      "The answer was interrupted by an error. Try again.",
    ]);
    expectSafeErrorText(result.errors[0]);
  });

  it("the parallel tool-call wrapper aimed at getCurrentTime: expanded into two tool calls that both run", async () => {
    // The same recording with its two recipients pointed at this app's tool (and its two unterminated JSON lines
    // closed), so the provider's wrapper expansion applies.
    const adapt = (line: string) => {
      let fixed = line;
      try {
        JSON.parse(fixed);
      } catch {
        fixed += "}";
      }
      return fixed
        .replaceAll(
          String.raw`functions.weather\",\"parameters\":{\"location\":\"San Francisco\"}`,
          String.raw`functions.getCurrentTime\",\"parameters\":{\"timeZone\":\"America/Los_Angeles\"}`,
        )
        .replaceAll(
          String.raw`functions.cityAttractions\",\"parameters\":{\"city\":\"Rome\"}`,
          String.raw`functions.getCurrentTime\",\"parameters\":{\"timeZone\":\"Europe/Rome\"}`,
        );
    };
    expect(fixtureLines(PARALLEL).map(adapt).every((line) => JSON.parse(line))).toBeTruthy();
    setEnv(openAIEnv(fake, "responses"));
    fake.reply({ type: "replay", file: PARALLEL, transform: adapt }, { type: "text", deltas: ["Both ", "times ", "fetched."] });

    const result = await chat(chatBody({ text: "What time is it in LA and in Rome?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputs.map((chunk) => [chunk.toolName, chunk.input])).toEqual([
      ["getCurrentTime", { timeZone: "America/Los_Angeles" }],
      ["getCurrentTime", { timeZone: "Europe/Rome" }],
    ]);
    expect(result.toolOutputs.map((chunk) => (chunk.output as { timeZone: string }).timeZone)).toEqual([
      "America/Los_Angeles",
      "Europe/Rome",
    ]);
    expect(result.text).toBe("Both times fetched.");

    // The follow-up request carries both calls and both results.
    const input = fake.requests[1].body.input as { type?: string; call_id?: string; output?: string }[];
    const outputs = input.filter((item) => item.type === "function_call_output");
    expect(outputs.map((item) => item.call_id)).toEqual(["call_parallel_0", "call_parallel_1"]);
    expect(outputs[0].output).toContain("America/Los_Angeles");
    expect(outputs[1].output).toContain("Europe/Rome");
    expect(result.metadata?.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
  });

  it("a recorded in-stream error (insufficient_quota) → one clean error part, not retried, no answer", async () => {
    setEnv(openAIEnv(fake, "responses"));
    fake.replyAlways({ type: "replay", file: "openai-responses-openai-error.1.chunks.txt" });

    const result = await chat(chatBody({ text: "Hi" }));

    expect(result.response.status).toBe(200);
    expect(result.types).toEqual(["start", "error"]);
    // The SDK maps insufficient_quota to HTTP 429, but it is no rate limit: waiting would not help.
    expect(result.errors).toEqual([
      "The model provider's account is out of quota (HTTP 429): the site's owner needs to check its plan and billing.",
    ]);
    expectSafeErrorText(result.errors[0]);
    expect(result.errors[0]).not.toContain("platform.openai.com");
    expect(result.sawDone).toBe(true);
    expect(fake.requests).toHaveLength(1);
    // The server log has the real cause for the operator.
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0][2])).toContain("You exceeded your current quota");
  });
});
