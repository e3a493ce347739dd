import { describe, expect, it } from "vitest";
import {
  ABANDONED_SSE,
  STREAM_ROOM_SETTINGS,
  StreamBuffer,
  type StreamMeta,
  type StreamStore,
} from "@/lib/chat/stream-buffer";

/** The StreamRoom's storage in memory (the object uses its SQLite storage); shared by "restarted" buffers. */
class MemoryStore implements StreamStore {
  meta: StreamMeta | undefined;
  chunks = new Map<number, string>();
  loadMeta() {
    return this.meta ? { ...this.meta } : undefined;
  }
  saveMeta(meta: StreamMeta) {
    this.meta = { ...meta };
  }
  loadChunks() {
    return [...this.chunks.entries()].sort(([a], [b]) => a - b).map(([, text]) => text);
  }
  addChunk(seq: number, text: string) {
    this.chunks.set(seq, text);
  }
  clear() {
    this.meta = undefined;
    this.chunks.clear();
  }
}

const decoder = new TextDecoder();

/** Reads a reader's stream in the background; `text()` is what arrived so far, `done` resolves at its end. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const reader = stream.getReader();
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { text: () => text, done, cancel: () => reader.cancel() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const event = (n: number) => `data: {"type":"text-delta","id":"t","delta":"w${n} "}\n\n`;

describe("StreamBuffer (the StreamRoom's buffering and fan-out)", () => {
  it("a reader that joins mid-stream gets everything from the beginning, then the rest live, each chunk once", async () => {
    const buffer = new StreamBuffer(new MemoryStore());
    buffer.start();
    const early = collect(buffer.read()!);
    for (let n = 0; n < 5; n++) buffer.append(event(n));
    const late = collect(buffer.read()!);
    await tick();
    expect(late.text()).toBe([0, 1, 2, 3, 4].map(event).join(""));
    for (let n = 5; n < 10; n++) buffer.append(event(n));
    buffer.close();
    const all = Array.from({ length: 10 }, (_, n) => event(n)).join("");
    expect(await early.done).toBe(all);
    expect(await late.done).toBe(all);
    expect(buffer.readerCount).toBe(0);
  });

  it("a reader after the end gets the whole answer and its stream ends; no stream here reads as null", async () => {
    const buffer = new StreamBuffer(new MemoryStore());
    expect(buffer.read()).toBeNull();
    expect(buffer.state).toBe("idle");
    buffer.start();
    buffer.append(event(1));
    buffer.close();
    expect(buffer.state).toBe("closed");
    expect(await collect(buffer.read()!).done).toBe(event(1));
    expect(buffer.append(event(2))).toEqual({ stopped: false, accepted: false });
    expect(await collect(buffer.read()!).done).toBe(event(1));
  });

  it("a reader that goes away is dropped; the others go on", async () => {
    const buffer = new StreamBuffer(new MemoryStore());
    buffer.start();
    const leaving = collect(buffer.read()!);
    const staying = collect(buffer.read()!);
    buffer.append(event(1));
    await leaving.cancel();
    expect(buffer.readerCount).toBe(1);
    buffer.append(event(2));
    buffer.close();
    expect(await staying.done).toBe(event(1) + event(2));
  });

  it("a stop request reaches the generator through whenStopped and through the next append", async () => {
    const buffer = new StreamBuffer(new MemoryStore());
    buffer.start();
    const watching = buffer.whenStopped();
    expect(buffer.append(event(1))).toEqual({ stopped: false, accepted: true });
    expect(buffer.requestStop()).toEqual({ active: true });
    await expect(watching).resolves.toBe(true);
    await expect(buffer.whenStopped()).resolves.toBe(true);
    // The chunks already on their way (the abort part, the finish) are still taken.
    expect(buffer.append(event(2))).toEqual({ stopped: true, accepted: true });
    buffer.close();
    expect(buffer.requestStop()).toEqual({ active: false });
  });

  it("whenStopped resolves false when the answer ends without a stop; stop with no stream is not active", async () => {
    const idle = new StreamBuffer(new MemoryStore());
    expect(idle.requestStop()).toEqual({ active: false });
    const buffer = new StreamBuffer(new MemoryStore());
    buffer.start();
    const watching = buffer.whenStopped();
    buffer.close();
    await expect(watching).resolves.toBe(false);
  });

  it("a restarted object (evicted mid-stream) still has every chunk and the stop request, and goes on", async () => {
    const store = new MemoryStore();
    const before = new StreamBuffer(store);
    before.start();
    before.append(event(1));
    before.append(event(2));
    before.requestStop();

    const after = new StreamBuffer(store);
    expect(after.state).toBe("open");
    expect(after.stopRequested).toBe(true);
    const reader = collect(after.read()!);
    expect(after.append(event(3))).toEqual({ stopped: true, accepted: true });
    after.close();
    expect(await reader.done).toBe(event(1) + event(2) + event(3));
  });

  it("the alarm abandons a silent stream (readers get an error part and end) and deletes it after its retention", async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const buffer = new StreamBuffer(store, () => now);
    buffer.start();
    buffer.append(event(1));
    const reader = collect(buffer.read()!);
    expect(buffer.nextAlarm()).toBe(now + STREAM_ROOM_SETTINGS.staleMs);

    now += STREAM_ROOM_SETTINGS.staleMs / 2;
    buffer.append(event(2)); // still alive: the alarm moves on
    now += STREAM_ROOM_SETTINGS.staleMs / 2;
    expect(buffer.onAlarm()).toBe(now + STREAM_ROOM_SETTINGS.staleMs / 2);
    expect(buffer.state).toBe("open");

    now += STREAM_ROOM_SETTINGS.staleMs;
    expect(buffer.onAlarm()).toBe(now + STREAM_ROOM_SETTINGS.retentionMs);
    expect(buffer.state).toBe("closed");
    expect(await reader.done).toBe(event(1) + event(2) + ABANDONED_SSE);

    now += STREAM_ROOM_SETTINGS.retentionMs - 1;
    expect(buffer.onAlarm()).toBe(now + 1);
    now += 1;
    expect(buffer.onAlarm()).toBe("cleared");
    expect(buffer.state).toBe("idle");
    expect(buffer.read()).toBeNull();
    expect(store.meta).toBeUndefined();
    expect(store.chunks.size).toBe(0);
  });
});
