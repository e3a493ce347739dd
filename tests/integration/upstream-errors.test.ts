/**
 * Upstream failures after the route has answered 200 and started its stream: each one must end the stream with a
 * clean `error` part carrying a safe message (lib/chat/stream.ts describeStreamError), never a broken SSE body.
 */
import {  afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { chatBody, iterateChunks, postChat, summarize, cleanEnvPerTest, type EnvKey } from "../support/chat-client";
import type { AnthropicReply } from "../support/fake-anthropic";
import type { GoogleReply } from "../support/fake-google";
import type { OpenAIReply } from "../support/fake-openai";
import type { WorkersAIReply } from "../support/fake-workers-ai";
import type { RecordedRequest } from "../support/http-fake";
import {
  anthropicEnv,
  expectSafeErrorText,
  googleEnv,
  openAIEnv,
  spyOnConsoleError,
  startFakeUpstreamsPerFile,
  workersAIEnv,
} from "../support/presets";
import type { UIMessageChunk } from "ai";

const fakes = startFakeUpstreamsPerFile();
let consoleError: MockInstance<typeof console.error>;
const setEnv = cleanEnvPerTest();

beforeEach(() => {
  consoleError = spyOnConsoleError();
});
afterEach(() => {
  consoleError.mockRestore();
});

type Upstream = {
  name: string;
  env: () => Partial<Record<EnvKey, string>>;
  /** Every request gets this reply (429 and 5xx are retried, so the failure must be consistent). */
  failAlways: (
    failure: { status: number } | { deltas: string[] } & ({ dropAfterDeltas: number } | { stallAfterDeltas: number }),
  ) => void;
  requests: () => RecordedRequest[];
};

const upstreams: Upstream[] = [
  ...(["chat", "responses"] as const).map(
    (api): Upstream => ({
      name: `OpenAI ${api === "chat" ? "Chat Completions" : "Responses"}`,
      env: () => openAIEnv(fakes.openai, api),
      failAlways: (failure) =>
        fakes.openai.replyAlways(
          ("status" in failure ? { type: "error", status: failure.status } : { type: "text", ...failure }) as OpenAIReply,
        ),
      requests: () => fakes.openai.requests,
    }),
  ),
  {
    name: "Workers AI",
    env: () => workersAIEnv(fakes.workersAI),
    failAlways: (failure) =>
      fakes.workersAI.replyAlways(
        ("status" in failure ? { type: "error", status: failure.status } : { type: "text", ...failure }) as WorkersAIReply,
      ),
    requests: () => fakes.workersAI.requests,
  },
  {
    name: "Anthropic Messages",
    env: () => anthropicEnv(fakes.anthropic),
    failAlways: (failure) =>
      fakes.anthropic.replyAlways(
        ("status" in failure ? { type: "error", status: failure.status } : { type: "text", ...failure }) as AnthropicReply,
      ),
    requests: () => fakes.anthropic.requests,
  },
  {
    name: "Gemini streamGenerateContent",
    env: () => googleEnv(fakes.google),
    failAlways: (failure) =>
      fakes.google.replyAlways(
        ("status" in failure ? { type: "error", status: failure.status } : { type: "text", ...failure }) as GoogleReply,
      ),
    requests: () => fakes.google.requests,
  },
];

/** Reads the route's stream; a broken SSE body (instead of an error part) fails the test with what arrived. */
async function readStream(response: Response) {
  const chunks: UIMessageChunk[] = [];
  let sawDone = false;
  let broken: unknown;
  try {
    for await (const chunk of iterateChunks(response)) {
      if (chunk === "[DONE]") sawDone = true;
      else chunks.push(chunk);
    }
  } catch (error) {
    broken = error;
  }
  return { chunks, sawDone, broken, ...summarize(chunks) };
}

describe.each(upstreams)("$name", (upstream) => {
  it.each([
    [401, 1, "The model provider refused the credentials (HTTP 401). Check the API key."],
    [429, 2, "The model provider is rate limiting requests (HTTP 429). Try again in a moment."],
    [500, 2, "The model provider failed (HTTP 500). Try again."],
  ])("HTTP %i → 200 stream ending in one safe error part (%i upstream attempts)", async (status, attempts, message) => {
    setEnv(upstream.env());
    upstream.failAlways({ status });

    const response = await postChat(chatBody({ text: "Hello" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const result = await readStream(response);

    expect(result.broken).toBeUndefined();
    expect(result.types).toEqual(["start", "error"]);
    expect(result.errors).toEqual([message]);
    expectSafeErrorText(message);
    expect(result.sawDone).toBe(true);
    // 401 is final; 429 and 500 are retried once (lib/ai/fallback.ts) before giving up.
    expect(upstream.requests()).toHaveLength(attempts);
    // The operator's log names the failure; the details stay on the server.
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0].slice(0, 2)).toEqual(["chat stream failed:", message]);
  });

  it("a connection dropped mid-stream → the partial text, then one safe error part, and a well-formed end", async () => {
    setEnv(upstream.env());
    upstream.failAlways({ deltas: ["The first ", "half of ", "an answer ", "that never ", "ends."], dropAfterDeltas: 3 });

    const response = await postChat(chatBody({ text: "Hello" }));
    expect(response.status).toBe(200);
    const result = await readStream(response);

    expect(result.broken, "the SSE body must not break").toBeUndefined();
    // What arrived before the drop reached the client.
    expect(result.text).toBe("The first half of an answer ");
    expect(result.errors).toEqual(["The connection to the model provider failed. Try again."]);
    expectSafeErrorText(result.errors[0]);
    expect(result.types.indexOf("error")).toBeGreaterThan(result.types.lastIndexOf("text-delta"));
    expect(result.sawDone).toBe(true);
    // A stream that broke after it started is not retried.
    expect(upstream.requests()).toHaveLength(1);
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0][1]).toBe("The connection to the model provider failed. Try again.");
  });

  it.each([
    ["before its first output", 0, ""],
    ["mid-answer", 2, "The first half of "],
  ])("a stream that stalls %s → cut off after UPSTREAM_STALL_MS with a clear error", async (_, stallAfterDeltas, text) => {
    setEnv({ ...upstream.env(), UPSTREAM_STALL_MS: "1000" });
    upstream.failAlways({ deltas: ["The first ", "half of ", "an answer ", "that stalls."], stallAfterDeltas });

    const started = performance.now();
    const response = await postChat(chatBody({ text: "Hello" }));
    expect(response.status).toBe(200);
    const result = await readStream(response);
    const elapsed = performance.now() - started;

    expect(result.broken, "the SSE body must not break").toBeUndefined();
    expect(result.text).toBe(text);
    expect(result.errors).toEqual(["The model stopped sending its answer (nothing for 1 s), so it was cut off. Try again."]);
    expect(result.sawDone).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(10_000);
    // The stalled upstream request is closed, not left hanging, and not retried.
    const requests = upstream.requests();
    expect(requests).toHaveLength(1);
    expect((await requests[0].closed).beforeEnd).toBe(true);
  });
});
