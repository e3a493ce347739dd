/**
 * Gemini `streamGenerateContent?alt=sse` through the real route and the real @ai-sdk/google provider, over real
 * HTTP: the recorded streams (tests/fixtures/recorded/google-*) replayed verbatim, and tool round trips whose
 * arguments stream as `partialArgs`. HTTP 401/429/500, a drop and a stall mid-stream are in
 * upstream-errors.test.ts, with every other provider.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import { startFakeGoogle, type FakeGoogle } from "../support/fake-google";
import { fixtureLines } from "../support/fake-openai";
import { expectSafeErrorText, GOOGLE_MODEL, GOOGLE_TEST_KEY, googleEnv, spyOnConsoleError } from "../support/presets";
import { BrowserChat, storedChat } from "../support/ui-client";

let fake: FakeGoogle;
let consoleError: MockInstance<typeof console.error>;
const setEnv = cleanEnvPerTest();

beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.models.length = 0;
  consoleError = spyOnConsoleError();
});
afterEach(() => {
  consoleError.mockRestore();
});

type GeminiContent = { role: string; parts: Record<string, unknown>[] };

describe("Gemini recordings", () => {
  it("gemini-3-pro text: exactly the recorded text (the empty part with a thought signature adds nothing), usage, metadata", async () => {
    const expected = fixtureLines("google-text.chunks.txt")
      .flatMap((line) => JSON.parse(line).candidates[0].content.parts)
      .map((part: { text?: string }) => part.text ?? "")
      .join("");
    expect(expected).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    setEnv(googleEnv(fake));
    fake.reply({ type: "replay", file: "google-text.chunks.txt" });

    const result = await chat(chatBody({ text: "How many r's in strawberry?" }));

    expect(result.response.status).toBe(200);
    expect(result.text).toBe(expected);
    expect(result.errors).toEqual([]);
    expect(result.sawDone).toBe(true);
    expect(result.finish?.finishReason).toBe("stop");
    // The last chunk's usageMetadata: 9 prompt tokens; 23 answer tokens plus 185 thought tokens.
    expect(result.metadata).toMatchObject({
      model: `google:${GOOGLE_MODEL}`,
      usage: { inputTokens: 9, outputTokens: 208, totalTokens: 217 },
    });

    // What the app sent: the model's streamGenerateContent, the key header, system instruction, tools.
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe(`/v1beta/models/${GOOGLE_MODEL}:streamGenerateContent?alt=sse`);
    expect(request.headers["x-goog-api-key"]).toBe(GOOGLE_TEST_KEY);
    expect(request.body.generationConfig).toMatchObject({ maxOutputTokens: 4096 });
    expect(JSON.stringify(request.body.systemInstruction)).toContain("You are edge-chat");
    expect(request.body.contents).toEqual([{ role: "user", parts: [{ text: "How many r's in strawberry?" }] }]);
    const declarations = request.body.tools.flatMap((tool: { functionDeclarations?: { name: string }[] }) => tool.functionDeclarations ?? []);
    expect(declarations.map((declaration: { name: string }) => declaration.name)).toContain("calculate");
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("a whole functionCall to a tool the app does not offer ('weather') → a tool-input-error, then the answer", async () => {
    setEnv(googleEnv(fake));
    fake.reply({ type: "replay", file: "google-tool-call.chunks.txt" }, { type: "text", deltas: ["I cannot check ", "the weather."] });

    const result = await chat(chatBody({ text: "Weather in San Francisco?" }));

    expect(result.toolInputErrors).toHaveLength(1);
    expect(result.toolInputErrors[0]).toMatchObject({ toolName: "weather", input: { location: "San Francisco" } });
    expect(result.toolInputErrors[0].errorText).toMatch(/unavailable tool 'weather'/);
    expect(result.text).toBe("I cannot check the weather.");
    expect(result.errors).toEqual([]);
    // The second request tells the model its call failed.
    const contents = fake.requests[1].body.contents as GeminiContent[];
    const response = contents.flatMap((content) => content.parts).find((part) => "functionResponse" in part);
    expect(response).toMatchObject({ functionResponse: { name: "weather" } });
    expect(JSON.stringify(response)).toMatch(/unavailable tool 'weather'/);
  });

  it("two calls whose arguments stream as partialArgs, aimed at getCurrentTime: both run, the answer follows", async () => {
    // The recording's getWeather({ location }) for Boston and San Francisco, pointed at this app's getCurrentTime.
    const adapt = (line: string) =>
      line
        .replaceAll('"name":"getWeather"', '"name":"getCurrentTime"')
        .replaceAll('"jsonPath":"$.location"', '"jsonPath":"$.timeZone"')
        .replace('"stringValue":"Boston"', '"stringValue":"America/New_York"')
        .replace('"stringValue":"San Francisco"', '"stringValue":"America/Los_Angeles"');
    setEnv(googleEnv(fake));
    fake.reply(
      { type: "replay", file: "google-stream-tool-call-arguments.chunks.txt", transform: adapt },
      { type: "text", deltas: ["Both ", "times fetched."] },
    );

    const result = await chat(chatBody({ text: "What time is it in Boston and San Francisco?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputs.map((chunk) => [chunk.toolName, chunk.input])).toEqual([
      ["getCurrentTime", { timeZone: "America/New_York" }],
      ["getCurrentTime", { timeZone: "America/Los_Angeles" }],
    ]);
    expect(result.toolOutputs.map((chunk) => (chunk.output as { timeZone: string }).timeZone)).toEqual([
      "America/New_York",
      "America/Los_Angeles",
    ]);
    expect(result.text).toBe("Both times fetched.");
    const contents = fake.requests[1].body.contents as GeminiContent[];
    const responses = contents.flatMap((content) => content.parts).filter((part) => "functionResponse" in part);
    expect(responses.map((part) => JSON.stringify(part))).toEqual([
      expect.stringContaining("America/New_York"),
      expect.stringContaining("America/Los_Angeles"),
    ]);
  });
});

describe("Gemini tool round trip", () => {
  it("calculate, its expression streamed in 1–3 character partialArgs pieces: the tool runs, its result goes back", async () => {
    setEnv(googleEnv(fake));
    fake.reply(
      { type: "tool-calls", calls: [{ toolName: "calculate", args: { expression: "(17.5 * 3) / 4" } }] },
      { type: "text", deltas: ["(17.5 × 3) / 4 ", "= 13.125."] },
    );

    const result = await chat(chatBody({ text: "Calculate (17.5 * 3) / 4" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta).join("")).toBe('{"expression":"(17.5 * 3) / 4"}');
    expect(result.toolInputDeltas.length).toBeGreaterThan(5);
    expect(result.toolInputs).toMatchObject([{ toolName: "calculate", input: { expression: "(17.5 * 3) / 4" } }]);
    expect(result.toolOutputs).toMatchObject([{ output: { expression: "(17.5 * 3) / 4", result: 13.125 } }]);
    expect(result.text).toBe("(17.5 × 3) / 4 = 13.125.");

    // The second request replays the call and carries its result.
    expect(fake.requests).toHaveLength(2);
    const contents = fake.requests[1].body.contents as GeminiContent[];
    expect(contents.at(-2)).toMatchObject({
      role: "model",
      parts: [{ functionCall: { name: "calculate", args: { expression: "(17.5 * 3) / 4" } } }],
    });
    expect(contents.at(-1)).toMatchObject({ role: "user", parts: [{ functionResponse: { name: "calculate" } }] });
    expect(JSON.stringify(contents.at(-1))).toContain("13.125");
  });

  it("a whole functionCall (args in one part, as the Gemini API usually sends them) runs the same way", async () => {
    setEnv(googleEnv(fake));
    fake.reply(
      { type: "tool-calls", calls: [{ toolName: "calculate", args: { expression: "2 ^ 10" }, mode: "whole" }] },
      { type: "text", deltas: ["1024."] },
    );

    const result = await chat(chatBody({ text: "What is 2 ^ 10?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolOutputs).toMatchObject([{ output: { expression: "2 ^ 10", result: 1024 } }]);
    expect(result.text).toBe("1024.");
  });
});

describe("Gemini drop mid-stream", () => {
  it("the partial text reaches the client and is stored with the failed answer", async () => {
    setEnv(googleEnv(fake));
    fake.reply({ type: "text", deltas: ["The first ", "half of ", "an answer ", "never ends."], dropAfterDeltas: 2 });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.text).toBe("The first half of ");
    expect(result.errors).toEqual(["The connection to the model provider failed. Try again."]);
    expect(fake.requests).toHaveLength(1);
    const { messages } = await storedChat(browser.id, browser.cookie!);
    const answer = messages.at(-1)!;
    expect(answer.metadata?.status).toBe("error");
    expect(answer.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual(["The first half of "]);
  });
});

describe("Gemini refuses the API key", () => {
  it("HTTP 400 with reason API_KEY_INVALID (Gemini's answer to a bad key, not a 401) → the credentials message, no retry", async () => {
    setEnv(googleEnv(fake));
    fake.reply({ type: "invalid-key" });

    const result = await chat(chatBody({ text: "Hello" }));

    expect(result.response.status).toBe(200);
    expect(result.text).toBe("");
    expect(result.errors).toEqual(["The model provider refused the credentials (HTTP 400). Check the API key."]);
    expectSafeErrorText(result.errors[0]);
    expect(result.sawDone).toBe(true);
    // A bad key is final: asked once, no retry (lib/ai/fallback.ts).
    expect(fake.requests).toHaveLength(1);
    expect(consoleError.mock.calls[0].slice(0, 2)).toEqual(["chat stream failed:", result.errors[0]]);
  });
});
