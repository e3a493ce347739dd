import type { UIMessageChunk } from "ai";

type TextDelta = Extract<UIMessageChunk, { type: "text-delta" }>;

/**
 * Merges text deltas that arrive within `windowMs` of each other into one chunk. Each SSE event costs CPU in the
 * worker (serialising, encoding, OpenNext's response path), so fewer, larger events stream the same text cheaper.
 * The first delta of a burst goes out at once (no added time to first token); any other chunk, or the end of the
 * stream, flushes what is pending first, so the order of parts never changes.
 */
export function coalesceTextDeltas<CHUNK extends UIMessageChunk>(windowMs = 20): TransformStream<CHUNK, CHUNK> {
  let output: TransformStreamDefaultController<CHUNK>;
  let pending: TextDelta | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flushPending = () => {
    if (pending) output.enqueue(pending as CHUNK);
    pending = undefined;
  };
  const tick = () => {
    const hadPending = pending !== undefined;
    try {
      flushPending();
    } catch {
      return; // The reader went away; nothing left to deliver.
    }
    // Keep the window open while the burst goes on; close it after a window with nothing new.
    timer = hadPending ? setTimeout(tick, windowMs) : undefined;
  };

  return new TransformStream<CHUNK, CHUNK>({
    start(controller) {
      output = controller;
    },
    transform(chunk) {
      if (chunk.type !== "text-delta") {
        flushPending();
        output.enqueue(chunk);
      } else if (!timer) {
        output.enqueue(chunk);
        timer = setTimeout(tick, windowMs);
      } else {
        if (pending && pending.id !== chunk.id) flushPending();
        pending = pending ? { ...pending, delta: pending.delta + chunk.delta } : { ...chunk };
      }
    },
    flush() {
      clearTimeout(timer);
      flushPending();
    },
  });
}
