/**
 * A model provider that stops sending bytes without closing the connection would hold an answer (and its worker)
 * open until a platform limit cuts it. The providers' HTTP calls go through this fetch, which gives up after
 * UPSTREAM_STALL_MS of silence: before the response headers or between body chunks.
 */

import { watchedBody } from "./upstream-body";

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

    const timer = setTimeout(stalled, stallMs);
    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
    if (!response.body) return response;

    const sse = response.headers.get("content-type")?.includes("text/event-stream") ?? false;
    const body = watchedBody(response.body, {
      sse,
      stall: {
        ms: stallMs,
        stalled: () => {
          stalled();
          return stall.signal.reason;
        },
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

