import { APICallError, RetryError, StreamProviderError } from "ai";
import { describe, expect, it, vi } from "vitest";
import { describeStreamError, endWithErrorPart, timeoutsAsErrors } from "@/lib/chat/stream";

const SECRET_URL = "http://127.0.0.1:43123/v1/chat/completions?key=sk-test-SECRET";
const SECRET_KEY = "sk-test-SECRET";

function apiError(statusCode: number | undefined, extra: Partial<ConstructorParameters<typeof APICallError>[0]> = {}) {
  return new APICallError({
    message: `Upstream said no; key ${SECRET_KEY} at ${SECRET_URL}`,
    url: SECRET_URL,
    requestBodyValues: { apiKey: SECRET_KEY },
    statusCode,
    responseHeaders: { authorization: `Bearer ${SECRET_KEY}` },
    responseBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRET_KEY}` } }),
    ...extra,
  });
}

function retryError(last: unknown) {
  return new RetryError({ message: "Failed after 3 attempts.", reason: "maxRetriesExceeded", errors: [last, last, last] });
}

/** Nothing from the error's URL, key, message or stack may reach the person. */
function expectSafe(text: string) {
  expect(text).not.toContain("127.0.0.1");
  expect(text).not.toContain("http");
  expect(text).not.toContain(SECRET_KEY);
  expect(text).not.toContain("sk-");
  expect(text).not.toMatch(/\bat .*:\d+:\d+/); // stack frames
  expect(text).not.toContain("Upstream said no");
  expect(text.length).toBeLessThan(120);
}

describe("describeStreamError", () => {
  it.each([
    [401, "The model provider refused the credentials (HTTP 401). Check the API key."],
    [403, "The model provider refused the credentials (HTTP 403). Check the API key."],
    [404, "The model provider does not know this model (HTTP 404)."],
    [429, "The model provider is rate limiting requests (HTTP 429). Try again in a moment."],
    [500, "The model provider failed (HTTP 500). Try again."],
    [503, "The model provider failed (HTTP 503). Try again."],
    [529, "The model provider is overloaded (HTTP 529). Try again in a moment."],
    [400, "The model provider rejected the request (HTTP 400)."],
    [422, "The model provider rejected the request (HTTP 422)."],
  ])("HTTP %i → %j", (status, expected) => {
    const text = describeStreamError(apiError(status));
    expect(text).toBe(expected);
    expectSafe(text);
  });

  it("unwraps a RetryError (429/500 after the SDK's retries) to its last error", () => {
    expect(describeStreamError(retryError(apiError(429)))).toBe(
      "The model provider is rate limiting requests (HTTP 429). Try again in a moment.",
    );
    expect(describeStreamError(retryError(apiError(500)))).toBe("The model provider failed (HTTP 500). Try again.");
  });

  it("an error event inside a stream (Anthropic's overloaded_error, as the SDK normalizes it) → by its status", () => {
    const overloaded = new StreamProviderError({ message: `Overloaded ${SECRET_URL}`, type: "overloaded_error", statusCode: 529 });
    expect(describeStreamError(overloaded)).toBe("The model provider is overloaded (HTTP 529). Try again in a moment.");
    const rateLimited = new StreamProviderError({ message: "Rate limited", type: "rate_limit_error", statusCode: 429 });
    expect(describeStreamError(rateLimited)).toBe("The model provider is rate limiting requests (HTTP 429). Try again in a moment.");
    // Without a status it says nothing it does not know.
    expect(describeStreamError(new StreamProviderError({ message: "Something odd" }))).toBe(
      "The answer was interrupted by an error. Try again.",
    );
  });

  it("a network failure (APICallError without status) → a connection message", () => {
    const error = apiError(undefined, { message: `Cannot connect to API: connect ECONNREFUSED ${SECRET_URL}`, isRetryable: true });
    const text = describeStreamError(retryError(error));
    expect(text).toMatch(/connection to the model provider failed/i);
    expectSafe(text);
  });

  it("a stream broken after a 200 (the provider wraps it as an APICallError with status 200) → a connection message", () => {
    const dropped = apiError(200, {
      message: "Failed to process successful response",
      cause: Object.assign(new TypeError("terminated"), { cause: { code: "UND_ERR_SOCKET" } }),
    });
    const text = describeStreamError(dropped);
    expect(text).toMatch(/connection to the model provider failed/i);
    expect(text).not.toContain("HTTP 200");
    expectSafe(text);
  });

  it.each([
    ["Node fetch 'terminated'", new TypeError("terminated")],
    ["Node fetch 'fetch failed'", new TypeError("fetch failed")],
    ["workerd", new Error("Network connection lost.")],
  ])("a raw network error (%s) → a connection message", (_name, error) => {
    expect(describeStreamError(error)).toMatch(/connection to the model provider failed/i);
  });

  it("an abort → 'The answer was stopped.'", () => {
    expect(describeStreamError(new DOMException("This operation was aborted", "AbortError"))).toBe("The answer was stopped.");
  });

  it("anything else → a generic message, never the error's own text", () => {
    for (const error of [new Error(`boom ${SECRET_KEY} ${SECRET_URL}`), "a string", { message: SECRET_KEY }, undefined, null]) {
      const text = describeStreamError(error);
      expect(text).toBe("The answer was interrupted by an error. Try again.");
      expectSafe(text);
    }
  });
});

describe("endWithErrorPart", () => {
  function source(parts: string[], failWith?: unknown) {
    let index = 0;
    let cancelled: unknown = "not cancelled";
    const stream = new ReadableStream<string>({
      pull(controller) {
        if (index < parts.length) controller.enqueue(parts[index++]);
        else if (failWith !== undefined) controller.error(failWith);
        else controller.close();
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    return { stream, cancelled: () => cancelled };
  }

  async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const part of stream as unknown as AsyncIterable<T>) out.push(part);
    return out;
  }

  it("passes a healthy stream through unchanged and does not call onError", async () => {
    const onError = vi.fn();
    expect(await readAll(endWithErrorPart(source(["a", "b", "c"]).stream, onError))).toEqual(["a", "b", "c"]);
    expect(onError).not.toHaveBeenCalled();
  });

  it("turns a stream failure into a final error part, after the parts that came before it", async () => {
    const failure = new TypeError("terminated");
    const onError = vi.fn();
    const parts = await readAll(endWithErrorPart(source(["a", "b"], failure).stream, onError));
    expect(parts).toEqual(["a", "b", { type: "error", error: failure }]);
    expect(onError).toHaveBeenCalledExactlyOnceWith(failure);
  });

  it("a cancel while a read is pending neither throws nor reports an error", async () => {
    let release!: () => void;
    const pending = new Promise<void>((resolve) => (release = resolve));
    const slow = new ReadableStream<string>(
      {
        async pull(controller) {
          await pending;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const onError = vi.fn();
    const wrapped = endWithErrorPart(slow, onError);
    const reader = wrapped.getReader();
    const read = reader.read();
    await reader.cancel("stop");
    release();
    await expect(read).resolves.toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(onError).not.toHaveBeenCalled();
  });

  it("passes a cancel on to the source", async () => {
    const src = source(["a", "b", "c"]);
    const reader = endWithErrorPart(src.stream, () => {}).getReader();
    await reader.read();
    await reader.cancel("client went away");
    expect(src.cancelled()).toBe("client went away");
  });
});

describe("timeoutsAsErrors", () => {
  type Part = { type: string; reason?: string; error?: unknown };
  async function run(parts: Part[], signal: AbortSignal): Promise<Part[]> {
    const out: Part[] = [];
    const stream = new ReadableStream<Part>({
      start(controller) {
        parts.forEach((part) => controller.enqueue(part));
        controller.close();
      },
    }).pipeThrough(timeoutsAsErrors<Part>(signal, 30_000));
    for await (const part of stream as unknown as AsyncIterable<Part>) out.push(part);
    return out;
  }

  it("keeps a stop the person asked for (our signal aborted) as an abort", async () => {
    const stop = new AbortController();
    stop.abort();
    expect(await run([{ type: "text-delta" }, { type: "abort" }], stop.signal)).toEqual([{ type: "text-delta" }, { type: "abort" }]);
  });

  it.each([
    ["Chunk timeout of 30000ms exceeded", "The model stopped sending its answer (nothing for 30 s), so it was cut off. Try again."],
    ["First chunk timeout of 30000ms exceeded", "The model stopped sending its answer (nothing for 30 s), so it was cut off. Try again."],
    ["The operation was aborted due to timeout", "The answer reached its time limit and was cut off."],
  ])("turns the SDK's own timeout (%s) into an error part with a clear message", async (reason, message) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const parts = await run([{ type: "abort", reason }], new AbortController().signal);
    expect(parts.map((part) => part.type)).toEqual(["error"]);
    expect(describeStreamError(parts[0].error)).toBe(message);
    vi.restoreAllMocks();
  });
});
