/**
 * A model provider that stops sending bytes without closing the connection would hold an answer (and its worker)
 * open until a platform limit cuts it. The providers' HTTP calls go through this fetch, which gives up after
 * UPSTREAM_STALL_MS of silence: before the response headers or between body chunks.
 */

import { mergeTextEvents } from "./sse-merge";

/** The upstream went silent. Named TimeoutError so the AI SDK passes it through as-is and does not retry it. */
export class UpstreamStalledError extends Error {
  constructor(stallMs: number) {
    super(`The model stopped sending its answer (nothing for ${Math.ceil(stallMs / 1000)} s), so it was cut off. Try again.`);
    this.name = "TimeoutError";
  }
}

/**
 * `baseFetch` (default: the global fetch), failing with UpstreamStalledError after `stallMs` without a byte; a streamed
 * (SSE) body comes with its adjacent text events merged.
 */
export function fetchWithStallTimeout(stallMs: number, baseFetch: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const stall = new AbortController();
    const stalled = () => stall.abort(new UpstreamStalledError(stallMs));
    const signal = init?.signal ? AbortSignal.any([init.signal, stall.signal]) : stall.signal;

    let timer = setTimeout(stalled, stallMs);
    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
    if (!response.body) return response;

    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Armed only while a chunk is awaited: a slow reader downstream is not a stalled upstream.
        timer = setTimeout(() => {
          stalled();
          controller.error(stall.signal.reason);
          reader.cancel(stall.signal.reason).catch(() => {});
        }, stallMs);
        try {
          const { done, value } = await reader.read();
          if (stall.signal.aborted) return;
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          if (!stall.signal.aborted) controller.error(error);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        clearTimeout(timer);
        return reader.cancel(reason);
      },
    });
    // A streamed answer's adjacent text events are merged here, before the provider parses them (sse-merge.ts).
    const streamed = response.headers.get("content-type")?.includes("text/event-stream");
    return new Response(streamed ? mergeTextEvents(body) : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
