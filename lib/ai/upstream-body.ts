import { TextEventWindow } from "./sse-merge";

/**
 * A model's response body as one stream stage: with `stall`, it fails after `stall.ms` without a chunk while one is
 * awaited (a slow reader downstream is not a stalled upstream; lib/ai/stall.ts), and for SSE it merges adjacent text
 * events (sse-merge.ts) before the provider parses them. Per chunk it does no more than note the time: one watchdog
 * timer checks the silence, as each timer call costs CPU in workerd and a model sends a chunk per token.
 */
export function watchedBody(
  upstream: ReadableStream<Uint8Array>,
  { sse, stall }: { sse: boolean; stall?: { ms: number; stalled: () => unknown } },
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let output: ReadableStreamDefaultController<Uint8Array>;
  /** Something went out since the pull began. */
  let sent = false;
  let failure: { error: unknown } | undefined;
  const send = (chunk: Uint8Array | string) => {
    if (chunk.length === 0) return;
    output.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    sent = true;
  };
  const merging = sse ? new TextEventWindow((text) => send(text)) : undefined;

  /** Since when a chunk is awaited (undefined: none is). */
  let waitingSince: number | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const watch = (stallMs: number) => {
    const silentMs = waitingSince === undefined ? 0 : Date.now() - waitingSince;
    if (silentMs < stallMs) {
      watchdog = setTimeout(watch, stallMs - silentMs, stallMs);
      return;
    }
    const reason = stall!.stalled();
    finish();
    fail(reason);
    reader.cancel(reason).catch(() => {});
  };
  const finish = () => {
    clearTimeout(watchdog);
    merging?.cancel();
  };
  // A stream's error drops what is queued: what was held goes out first, the error with the next pull.
  const fail = (error: unknown) => {
    failure = { error };
    sent = false;
    if (merging) send(merging.end());
    if (!sent) output.error(error);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller;
      if (stall) watch(stall.ms);
    },
    // Reads until something goes out: a read whose events are all held must not end the pull, as workerd calls pull
    // again only for a new read from downstream.
    async pull(controller) {
      if (failure) return controller.error(failure.error);
      for (sent = false; !sent && !failure; ) {
        let result: ReadableStreamReadResult<Uint8Array>;
        waitingSince = Date.now();
        try {
          result = await reader.read();
        } catch (error) {
          if (failure) return; // the watchdog's own cancel
          finish();
          fail(error);
          return;
        } finally {
          waitingSince = undefined;
        }
        if (failure) return;
        if (result.done) {
          finish();
          if (merging) {
            merging.push(decoder.decode());
            send(merging.end());
          }
          controller.close();
          return;
        }
        if (merging) merging.push(decoder.decode(result.value, { stream: true }));
        else send(result.value);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}
