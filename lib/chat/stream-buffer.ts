/**
 * The logic of one resumable answer: what the StreamRoom Durable Object (lib/chat/stream-room.ts) does, free of
 * workerd APIs so it runs in Node tests too.
 *
 * One buffer per answer stream. The request that generates the answer appends the SSE text of its UI message stream
 * as it goes (`append`) and closes it at the end (`close`). Every chunk is kept, in storage too (a restarted object
 * loads them again), and fanned out to the readers: a reader (`read`) first gets everything so far, then each new
 * chunk as it arrives, and its stream ends when the answer does. A stop request (`requestStop`) is recorded and
 * reported to the generating request, which aborts the model.
 */

export const STREAM_ROOM_SETTINGS = {
  /**
   * An open stream that got nothing for this long is abandoned: its generating request died without closing it (the
   * worker was cancelled). Appends come at least every keep-alive interval (15 s, STREAM_SETTINGS.keepAliveMs).
   */
  staleMs: 60_000,
  /** A finished stream stays replayable this long (a reload racing the save still gets it), then it is deleted. */
  retentionMs: 10 * 60_000,
};

/** `idle`: nothing started here (or it was deleted); `open`: the answer is streaming; `closed`: it has ended. */
export type StreamState = "idle" | "open" | "closed";

export type StreamMeta = { state: "open" | "closed"; stopRequested: boolean; closedAt: number | null };

/** Where a buffer keeps its stream: the object's SQLite storage in the worker, memory in tests. */
export interface StreamStore {
  loadMeta(): StreamMeta | undefined;
  saveMeta(meta: StreamMeta): void;
  loadChunks(): string[];
  addChunk(seq: number, text: string): void;
  clear(): void;
}

/** Ends the stream of a reader when the generating request vanished: an error part (the UI shows it), then the end. */
export const ABANDONED_SSE = `data: ${JSON.stringify({
  type: "error",
  errorText: "The answer was interrupted. Try again.",
})}\n\ndata: [DONE]\n\n`;

export type AppendResult = {
  /** A stop was requested: the generating request aborts the model. */
  stopped: boolean;
  /** False when the stream had already ended (the text was dropped). */
  accepted: boolean;
};

const encoder = new TextEncoder();

export class StreamBuffer {
  private meta: StreamMeta | undefined;
  private chunks: string[];
  private readonly readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private readonly stopWaiters = new Set<(stopped: boolean) => void>();
  /** When the generating request was last heard of (memory only: a restarted object starts counting again). */
  private lastActivity: number;

  constructor(
    private readonly store: StreamStore,
    private readonly now: () => number = Date.now,
  ) {
    this.meta = store.loadMeta();
    this.chunks = this.meta ? store.loadChunks() : [];
    this.lastActivity = now();
  }

  get state(): StreamState {
    return this.meta?.state ?? "idle";
  }

  get readerCount(): number {
    return this.readers.size;
  }

  get stopRequested(): boolean {
    return this.meta?.stopRequested ?? false;
  }

  /** The whole SSE text so far. */
  text(): string {
    return this.chunks.join("");
  }

  /** Opens the stream (idempotent). */
  start(): void {
    this.lastActivity = this.now();
    if (this.meta) return;
    this.meta = { state: "open", stopRequested: false, closedAt: null };
    this.store.saveMeta(this.meta);
  }

  append(text: string): AppendResult {
    if (!this.meta) this.start();
    const meta = this.meta!;
    if (meta.state === "closed") return { stopped: meta.stopRequested, accepted: false };
    this.lastActivity = this.now();
    if (text) {
      this.store.addChunk(this.chunks.length, text);
      this.chunks.push(text);
      this.broadcast(encoder.encode(text));
    }
    return { stopped: meta.stopRequested, accepted: true };
  }

  /** Ends the stream: readers' streams end, a pending `whenStopped` resolves false. Idempotent. */
  close(): void {
    if (!this.meta || this.meta.state === "closed") return;
    this.meta = { ...this.meta, state: "closed", closedAt: this.now() };
    this.store.saveMeta(this.meta);
    for (const reader of this.readers) {
      try {
        reader.close();
      } catch {
        // the reader went away
      }
    }
    this.readers.clear();
    this.settleStopWaiters(false);
  }

  /** Records a stop request. `active`: the answer was still streaming (so it will stop). */
  requestStop(): { active: boolean } {
    if (!this.meta || this.meta.state !== "open") return { active: false };
    if (!this.meta.stopRequested) {
      this.meta = { ...this.meta, stopRequested: true };
      this.store.saveMeta(this.meta);
    }
    this.settleStopWaiters(true);
    return { active: true };
  }

  /** Resolves true as soon as a stop is requested, false when the stream ends (or has) without one. */
  whenStopped(): Promise<boolean> {
    if (this.meta?.stopRequested) return Promise.resolve(true);
    if (this.meta?.state === "closed") return Promise.resolve(false);
    return new Promise((resolve) => this.stopWaiters.add(resolve));
  }

  /**
   * A reader's stream: everything so far, then the rest live; it ends with the answer. Null when there is no stream
   * here (never started, or deleted after its retention).
   */
  read(): ReadableStream<Uint8Array> | null {
    if (!this.meta) return null;
    let reader: ReadableStreamDefaultController<Uint8Array>;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        reader = controller;
        // Synchronously, backlog then registration: no chunk can fall between them or come twice.
        if (this.chunks.length > 0) controller.enqueue(encoder.encode(this.text()));
        if (this.meta?.state === "closed") controller.close();
        else this.readers.add(controller);
      },
      cancel: () => {
        this.readers.delete(reader);
      },
    });
  }

  /** When the next alarm should run (null: none needed). */
  nextAlarm(): number | null {
    if (!this.meta) return null;
    if (this.meta.state === "open") return this.lastActivity + STREAM_ROOM_SETTINGS.staleMs;
    return (this.meta.closedAt ?? this.now()) + STREAM_ROOM_SETTINGS.retentionMs;
  }

  /**
   * The alarm: abandons a stream that went silent (its readers get an error part and end) and deletes a stream past
   * its retention. Returns "cleared" after deleting (the object drops its storage), else the next alarm time.
   */
  onAlarm(): number | null | "cleared" {
    if (!this.meta) return null;
    const now = this.now();
    if (this.meta.state === "open") {
      if (now - this.lastActivity < STREAM_ROOM_SETTINGS.staleMs) return this.nextAlarm();
      this.append(ABANDONED_SSE);
      this.close();
      return this.nextAlarm();
    }
    if (now - (this.meta.closedAt ?? 0) < STREAM_ROOM_SETTINGS.retentionMs) return this.nextAlarm();
    this.store.clear();
    this.meta = undefined;
    this.chunks = [];
    return "cleared";
  }

  private broadcast(bytes: Uint8Array): void {
    for (const reader of this.readers) {
      try {
        reader.enqueue(bytes);
      } catch {
        this.readers.delete(reader); // closed or errored: the reader went away
      }
    }
  }

  private settleStopWaiters(stopped: boolean): void {
    for (const resolve of this.stopWaiters) resolve(stopped);
    this.stopWaiters.clear();
  }
}
