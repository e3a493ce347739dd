/**
 * StreamRoom: a Durable Object per streaming answer (wrangler.toml [[durable_objects.bindings]] STREAM_ROOM), which
 * buffers the answer's SSE text and fans it out to readers, so a reloaded page (or a reconnect after a network loss)
 * gets the answer again from its beginning and then live, without a second model call. It also carries Stop from
 * POST /api/chat/[id]/stop to the request generating the answer. The logic is in ./stream-buffer.ts; routes reach the
 * object through ./resumable.ts. Exported by the worker entry (lib/worker.ts); never imported by Next code (it
 * needs `cloudflare:workers`).
 */
import { DurableObject } from "cloudflare:workers";
import { StreamBuffer, type AppendResult, type StreamMeta, type StreamState, type StreamStore } from "./stream-buffer";

/** The stream in the object's SQLite storage, so a restarted (evicted) object still has every chunk. */
class SqlStreamStore implements StreamStore {
  private ready = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql(): SqlStorage {
    if (!this.ready) {
      this.storage.sql.exec("CREATE TABLE IF NOT EXISTS chunks (seq INTEGER PRIMARY KEY, text TEXT NOT NULL)");
      this.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, stop_requested INTEGER NOT NULL, closed_at INTEGER)",
      );
      this.ready = true;
    }
    return this.storage.sql;
  }

  loadMeta(): StreamMeta | undefined {
    const row = this.sql
      .exec<{ state: string; stop_requested: number; closed_at: number | null }>(
        "SELECT state, stop_requested, closed_at FROM meta WHERE id = 1",
      )
      .toArray()[0];
    if (!row) return undefined;
    return { state: row.state === "closed" ? "closed" : "open", stopRequested: row.stop_requested === 1, closedAt: row.closed_at };
  }

  saveMeta(meta: StreamMeta): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (id, state, stop_requested, closed_at) VALUES (1, ?, ?, ?)",
      meta.state,
      meta.stopRequested ? 1 : 0,
      meta.closedAt,
    );
  }

  loadChunks(): string[] {
    return this.sql
      .exec<{ text: string }>("SELECT text FROM chunks ORDER BY seq")
      .toArray()
      .map((row) => row.text);
  }

  addChunk(seq: number, text: string): void {
    this.sql.exec("INSERT OR REPLACE INTO chunks (seq, text) VALUES (?, ?)", seq, text);
  }

  clear(): void {
    this.sql.exec("DELETE FROM chunks");
    this.sql.exec("DELETE FROM meta");
  }

  /** Drops the tables too (the object then stores nothing); they are made again on the next use. */
  async deleteAll(): Promise<void> {
    await this.storage.deleteAll();
    this.ready = false;
  }
}

export type StreamRoomStatus = { state: StreamState; chunks: number; readers: number; stopRequested: boolean };

export class StreamRoom extends DurableObject<CloudflareEnv> {
  private readonly store: SqlStreamStore;
  private readonly buffer: StreamBuffer;

  constructor(ctx: DurableObjectState, env: CloudflareEnv) {
    super(ctx, env);
    this.store = new SqlStreamStore(ctx.storage);
    this.buffer = new StreamBuffer(this.store);
  }

  /** Opens the stream (the generating request, before its response goes out). */
  async start(): Promise<void> {
    this.buffer.start();
    await this.schedule();
  }

  /** The next SSE text of the answer; `stopped` tells the generating request to abort the model. */
  append(text: string): AppendResult {
    return this.buffer.append(text);
  }

  /** The answer has ended: readers' streams end too. The stream stays replayable for a while, then is deleted. */
  async close(): Promise<void> {
    this.buffer.close();
    await this.schedule();
  }

  /** POST /api/chat/[id]/stop. `active`: the answer was still streaming and will stop. */
  stop(): { active: boolean } {
    return this.buffer.requestStop();
  }

  /** Held by the generating request: resolves true the moment a stop is requested, false when the stream ends. */
  whenStopped(): Promise<boolean> {
    return this.buffer.whenStopped();
  }

  status(): StreamRoomStatus {
    return {
      state: this.buffer.state,
      chunks: this.buffer.text().length,
      readers: this.buffer.readerCount,
      stopRequested: this.buffer.stopRequested,
    };
  }

  /** GET: the answer's SSE stream from its beginning (204 when there is none here). */
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "GET") return new Response(null, { status: 405 });
    const body = this.buffer.read();
    if (!body) return new Response(null, { status: 204 });
    // text/event-stream: local workerd does not gzip it (gzip would buffer the stream until its end).
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" },
    });
  }

  async alarm(): Promise<void> {
    const next = this.buffer.onAlarm();
    if (next === "cleared") await this.store.deleteAll();
    else if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private async schedule(): Promise<void> {
    const at = this.buffer.nextAlarm();
    if (at !== null) await this.ctx.storage.setAlarm(at);
  }
}
