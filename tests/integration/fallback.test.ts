/**
 * MODEL_FALLBACKS and the retry before the first token (lib/ai/fallback.ts), through the real route and the real
 * OpenAI and Workers AI providers over real HTTP: a model that fails before its first token is retried once, then the
 * next model of its chain answers, and the answer (streamed and stored) says which model wrote it.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { POST as chatCompletions } from "@/app/v1/chat/completions/route";
import { cleanEnvPerTest } from "../support/chat-client";
import {
  expectSafeErrorText,
  OPENAI_MODEL,
  openAIEnv,
  spyOnConsoleError,
  startFakeUpstreamsPerFile,
  WORKERS_AI_MODEL,
  workersAIEnv,
} from "../support/presets";
import { BrowserChat, respondToApproval, storedChat, toolParts } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();
let consoleError: MockInstance<typeof console.error>;
let consoleWarn: MockInstance<typeof console.warn>;

const PRIMARY = `openai:${OPENAI_MODEL}`;
const FALLBACK = `workers-ai:${WORKERS_AI_MODEL}`;

beforeEach(() => {
  consoleError = spyOnConsoleError();
  consoleWarn = vi.spyOn(console, "warn").mockImplementation(() => {});
  setEnv({ ...openAIEnv(fakes.openai, "chat"), ...workersAIEnv(fakes.workersAI), MODEL_FALLBACKS: `${PRIMARY}>${FALLBACK}` });
});
afterEach(() => {
  consoleError.mockRestore();
  consoleWarn.mockRestore();
});

/** What the log said about failures before the first token (retries and fallbacks). */
const warnings = () => consoleWarn.mock.calls.map((call) => String(call[0]));

async function stored(browser: BrowserChat) {
  const { messages } = await storedChat(browser.id, browser.cookie!);
  return messages.at(-1)!;
}

describe("MODEL_FALLBACKS", () => {
  it("the primary answers HTTP 500 on both attempts → the next model answers, and the answer says so", async () => {
    fakes.openai.replyAlways({ type: "error", status: 500 });
    fakes.workersAI.reply({ type: "text", deltas: ["Answered ", "by the fallback."] });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.errors).toEqual([]);
    expect(result.text).toBe("Answered by the fallback.");
    expect(result.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    // One retry of the primary, then the fallback.
    expect(fakes.openai.requests).toHaveLength(2);
    expect(fakes.workersAI.requests).toHaveLength(1);
    expect(warnings()).toEqual([
      expect.stringContaining(`model ${PRIMARY} failed before its first token, retrying`),
      expect.stringContaining(`model ${PRIMARY} failed before its first token, falling back to ${FALLBACK}`),
    ]);
    expect(consoleError).not.toHaveBeenCalled();

    const answer = await stored(browser);
    expect(answer.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY, status: "complete" });
    expect(answer.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual(["Answered by the fallback."]);
  });

  it("HTTP 429 with Retry-After: 1, once → the retry answers after ~1 s, from the same model", async () => {
    fakes.openai.reply({ type: "error", status: 429, retryAfter: "1" }, { type: "text", deltas: ["Second ", "try."] });
    const browser = new BrowserChat();

    const started = performance.now();
    const result = await browser.send("Hello");
    const elapsed = performance.now() - started;

    expect(result.errors).toEqual([]);
    expect(result.text).toBe("Second try.");
    expect(result.metadata?.model).toBe(PRIMARY);
    expect(result.metadata).not.toHaveProperty("fallbackFrom");
    expect(fakes.openai.requests).toHaveLength(2);
    expect(fakes.workersAI.requests).toHaveLength(0);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    // Well under the 5 s cap: the wait was Retry-After's second (with room for a busy 2-core machine).
    expect(elapsed).toBeLessThan(4_500);
    expect((await stored(browser)).metadata).not.toHaveProperty("fallbackFrom");
  });

  it("HTTP 429 with a Retry-After past the cap (5 s) → no wait: the next model answers at once", async () => {
    fakes.openai.replyAlways({ type: "error", status: 429, retryAfter: "30" });
    fakes.workersAI.reply({ type: "text", deltas: ["Fallback."] });
    const browser = new BrowserChat();

    const started = performance.now();
    const result = await browser.send("Hello");

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.text).toBe("Fallback.");
    expect(result.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    expect(fakes.openai.requests).toHaveLength(1);
  });

  it("a drop after the first token → the partial text and an error part, no retry and no fallback", async () => {
    fakes.openai.reply({ type: "text", deltas: ["The first ", "half of ", "an answer."], dropAfterDeltas: 2 });
    fakes.workersAI.replyAlways({ type: "text", deltas: ["Never sent."] });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.text).toBe("The first half of ");
    expect(result.errors).toEqual(["The connection to the model provider failed. Try again."]);
    expect(fakes.openai.requests).toHaveLength(1);
    expect(fakes.workersAI.requests).toHaveLength(0);

    const answer = await stored(browser);
    expect(answer.metadata).toMatchObject({ model: PRIMARY, status: "error" });
    expect(answer.metadata).not.toHaveProperty("fallbackFrom");
    expect(answer.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual(["The first half of "]);
  });

  it("every model failing → one clean error, nothing secret in it", async () => {
    fakes.openai.replyAlways({ type: "error", status: 500 });
    fakes.workersAI.replyAlways({ type: "error", status: 503 });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.types).toEqual(["start", "error"]);
    expect(result.errors).toEqual(["The model provider failed (HTTP 503). Try again."]);
    expectSafeErrorText(result.errors[0]);
    expect(fakes.openai.requests).toHaveLength(2);
    expect(fakes.workersAI.requests).toHaveLength(2);
    expect(consoleError).toHaveBeenCalledTimes(1);

    const answer = await stored(browser);
    expect(answer.metadata).toMatchObject({ model: PRIMARY, status: "error" });
  });

  it("a stall before the first token (after the headers and an empty first chunk) → cut off after UPSTREAM_STALL_MS, then the next model answers", async () => {
    setEnv({ UPSTREAM_STALL_MS: "1000" });
    fakes.openai.reply({ type: "text", deltas: ["Never ", "sent."], stallAfterDeltas: 0 });
    fakes.workersAI.reply({ type: "text", deltas: ["After ", "the stall."] });
    const browser = new BrowserChat();

    const started = performance.now();
    const result = await browser.send("Hello");
    const elapsed = performance.now() - started;

    expect(result.errors).toEqual([]);
    expect(result.text).toBe("After the stall.");
    expect(result.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(5_000);
    // A stall is not retried: the next model is asked.
    expect(fakes.openai.requests).toHaveLength(1);
    expect((await fakes.openai.requests[0].closed).beforeEnd).toBe(true);
  });

  it("the picker's choice heads its own chain only: another model has no fallback", async () => {
    setEnv({ OPENAI_MODELS: `${OPENAI_MODEL},gpt-4o-mini` });
    fakes.openai.replyAlways({ type: "error", status: 500 });
    const browser = new BrowserChat({ model: "openai:gpt-4o-mini" });

    const result = await browser.send("Hello");

    expect(result.errors).toEqual(["The model provider failed (HTTP 500). Try again."]);
    expect(fakes.workersAI.requests).toHaveLength(0);
  });

  it("an answer a fallback began, continued after a tool approval → the fallback continues it, not the primary", async () => {
    fakes.openai.replyAlways({ type: "error", status: 500 });
    fakes.workersAI.reply(
      { type: "tool-call", toolName: "saveNote", argChunks: ['{"title":"Milk","body":"Buy milk"}'] },
      { type: "text", deltas: ["Saved, ", "by the fallback."] },
    );
    const browser = new BrowserChat();
    const first = await browser.send("Save a note: buy milk");
    const part = toolParts(first.message).find((candidate) => candidate.type === "tool-saveNote")!;
    expect(first.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    // The primary is back.
    fakes.openai.replyAlways({ type: "text", deltas: ["The primary ", "would say this."] });

    const second = await browser.continueWith(respondToApproval(first.message, part.approval!.id, true));

    expect(second.errors).toEqual([]);
    expect(second.text).toBe("Saved, by the fallback.");
    expect(second.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    expect(fakes.openai.requests).toHaveLength(2);
    expect(fakes.workersAI.requests).toHaveLength(2);
    expect((await stored(browser)).metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY, status: "complete" });
  });

  it("the OpenAI-compatible API uses the same chains: the primary fails, the fallback's answer comes back", async () => {
    const key = "ec_fallback-test-key";
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))).toString("hex");
    process.env.API_KEYS = digest;
    // No budget: its settling would outlive the test (waitUntil does not wait here).
    process.env.API_KEY_DAILY_TOKEN_BUDGET = "0";
    try {
      fakes.openai.replyAlways({ type: "error", status: 500 });
      fakes.workersAI.reply({ type: "text", deltas: ["From ", "the fallback."] });

      const response = await chatCompletions(
        new Request("http://localhost/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: PRIMARY, messages: [{ role: "user", content: "Hello" }] }),
        }),
      );

      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0].message.content).toBe("From the fallback.");
      expect(fakes.openai.requests).toHaveLength(2);
      expect(fakes.workersAI.requests).toHaveLength(1);
    } finally {
      delete process.env.API_KEYS;
      delete process.env.API_KEY_DAILY_TOKEN_BUDGET;
    }
  });
});

describe("a new chat's title (CHAT_TITLES=model), made alongside the answer", () => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env.CHAT_TITLES;
    process.env.CHAT_TITLES = "model";
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.CHAT_TITLES;
    else process.env.CHAT_TITLES = previous;
  });

  const titles = (result: Awaited<ReturnType<BrowserChat["send"]>>) =>
    result.chunks.flatMap((chunk) => (chunk.type === "data-title" ? [chunk.data] : []));

  it("the primary failing → the title is asked of the next model too, and the chat has it", async () => {
    fakes.openai.replyAlways({ type: "error", status: 500 });
    // The answer and the title request run side by side, so both replies are the same text.
    fakes.workersAI.reply({ type: "text", deltas: ['"Weekend ', 'in Kyoto."'] }, { type: "text", deltas: ['"Weekend ', 'in Kyoto."'] });
    const browser = new BrowserChat();

    const result = await browser.send("Plan a weekend in Kyoto for me, with temples and food");

    expect(result.errors).toEqual([]);
    expect(result.metadata).toMatchObject({ model: FALLBACK, fallbackFrom: PRIMARY });
    expect(titles(result)).toEqual([{ title: "Weekend in Kyoto" }]);
    expect((await storedChat(browser.id, browser.cookie!)).chat?.title).toBe("Weekend in Kyoto");
    // The primary was asked twice for each (the answer and the title), the fallback once for each.
    expect(fakes.openai.requests).toHaveLength(4);
    const asked = fakes.workersAI.requests.map((request) => JSON.stringify(request.body));
    expect(asked.filter((body) => body.includes("Write a title of 2 to 6 words"))).toHaveLength(1);
    expect(asked).toHaveLength(2);
  });

  it("the primary failing over to the demo model → the question's first words, not the demo's canned answer", async () => {
    setEnv({ ENABLE_DEMO_MODEL: "1", DEMO_DELAY_MS: "0", MODEL_FALLBACKS: `${PRIMARY}>demo:offline` });
    fakes.openai.replyAlways({ type: "error", status: 500 });
    const browser = new BrowserChat();

    const result = await browser.send("Plan a weekend in Kyoto for me, with temples and food");

    expect(result.errors).toEqual([]);
    expect(result.metadata).toMatchObject({ model: "demo:offline", fallbackFrom: PRIMARY });
    expect(titles(result)).toEqual([{ title: "Plan a weekend in Kyoto for me, with" }]);
    expect((await storedChat(browser.id, browser.cookie!)).chat?.title).toBe("Plan a weekend in Kyoto for me, with");
  });
});
