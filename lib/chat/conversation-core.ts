/**
 * One conversation's owner of record: what the Conversation Durable Object (lib/chat/conversation-object.ts) does,
 * free of workerd APIs so it also runs in Node (next dev, vitest: lib/chat/conversations.ts keeps one per chat in
 * memory there).
 *
 * - **History**: the chat's messages live here (the object's SQLite), read without a network round trip.
 * - **One turn at a time**: `startTurn` takes the conversation's lock before anything else; a second turn gets a 409.
 * - **The object owns the turn**: it dispatches the model call itself (`dispatch`: in the worker a request through the
 *   WORKER_SELF_REFERENCE binding to POST /api/chat/run, which runs `streamText`) and reads the answer's stream to
 *   its end, whoever is listening. The visitor's request only reads along; closing the page stops nothing.
 * - **Every reader the same bytes, once**: the answer's SSE text is one ordered log (sequence = position in it); a
 *   reader gets the log so far, then each new chunk live (`read`). Stored in batches (checkpoints) as it streams.
 * - **Interrupted, never lost**: a turn still marked running when a new instance starts (the object was evicted or
 *   restarted mid-answer) is marked `interrupted`; its stored stream becomes the answer the next time the history is
 *   read (`history().pending`, materialised by lib/chat/conversations.ts, where the AI SDK is).
 * - **Live in every tab**: `live` is an SSE channel of turn events for pages showing the chat.
 */
import { AppError } from "@/lib/errors";
import type { ChatMessage, MessageStatus } from "./types";

export const CONVERSATION_SETTINGS = {
  /**
   * Stream checkpoints: at most one stored row per this long (and one more at the end), so an evicted object loses
   * at most this much of an answer, and a 1,000-token answer at 100 tokens/s writes about 10 rows for its stream.
   */
  checkpointMs: 1_000,
  /** A finished answer's stream stays replayable this long (a page loaded just before its end resumes it). */
  retentionMs: 10 * 60_000,
  /** While a turn runs, an alarm this often: if the object restarted meanwhile, the alarm marks it interrupted. */
  watchdogMs: 60_000,
  /** Stop answers when the turn has ended, or after this long (the runner did not end it). */
  stopWaitMs: 5_000,
  /** Keep-alive comments on the live channel, so proxies keep it open. */
  keepAliveMs: 15_000,
};

/** What the worker's request for a turn carries (the visitor's side: identity, validation, limits are done). */
export type TurnInput = {
  owner: string;
  /** The validated request (lib/chat/request.ts): the new message, or a regeneration. */
  request: { id: string; trigger: "submit-message" | "regenerate-message"; message?: ChatMessage; messageId?: string };
  /** Passed through to the turn's runner untouched (model, embedded, client address, ...). */
  context: Record<string, unknown>;
};

/** Who asks about which chat (the object does not know its own name). */
export type Caller = { owner: string; chatId: string };

/** What the object sends to the runner (POST /api/chat/run). */
export type DispatchBody = TurnInput & {
  turnId: string;
  /** The stored conversation, before this turn's change. */
  history: ChatMessage[];
  /** The chat has no owner here yet: the runner creates its row in D1 (and refuses an id someone else has). */
  newChat: boolean;
};

/** The runner of turns (app/api/chat/run); the header carries the token it checks (lib/chat/identity.ts). */
export const RUNNER_PATH = "/api/chat/run";
export const RUNNER_TOKEN_HEADER = "x-edge-chat-runner";

/** The runner's answer when the id belongs to a chat stored before the objects (its messages are still in D1). */
export const LEGACY_CHAT_CODE = "conflict:legacy-chat";

export type TurnState = "running" | "ended" | "interrupted";
export type TurnRecord = {
  id: string;
  state: TurnState;
  /** The turn continues the last answer (an approval, a browser tool's output) rather than writing a new one. */
  continues: boolean;
  stopRequested: boolean;
  /** The runner stored the answer (`saveAnswer`); false: it is still only in the stream. */
  saved: boolean;
  endedAt: number | null;
};

/** Where the conversation is kept: the object's SQLite in the worker, memory in Node. Synchronous, as DO SQL is. */
export interface ConversationStore {
  loadOwner(): string | undefined;
  saveOwner(owner: string): void;
  loadMessages(): ChatMessage[];
  putMessage(message: ChatMessage): void;
  /** Drops this message and every later one. */
  deleteMessagesFrom(id: string): void;
  loadTurn(): TurnRecord | undefined;
  saveTurn(turn: TurnRecord): void;
  /** The latest turn's stream, as stored (concatenated, it is the SSE text). */
  loadChunks(): string[];
  addChunk(seq: number, text: string): void;
  clearChunks(): void;
  clear(): void;
  /** Rows written so far, where the store counts them (the bench reports them per answer). */
  readonly rowsWritten?: number;
}

/** What one turn cost this object, reported when it ends (`ConversationDeps.onTurnEnd`). */
export type TurnStats = { chatId: string; turnId: string; state: TurnState; chunks: number; bytes: number; rowsWritten: number };

/** The stored part of the latest turn that never became a message (the runner died): see `history`. */
export type PendingAnswer = { turnId: string; sse: string; continues: string | undefined };
export type History = { messages: ChatMessage[]; pending?: PendingAnswer };

export type ConversationDeps = {
  store: ConversationStore;
  /** Starts the model call: the runner's response, a UI message stream, or a JSON error. */
  dispatch(body: DispatchBody): Promise<Response>;
  /** The chat's owner and messages in D1 from before the objects (undefined: no such chat there). */
  importLegacy(chatId: string): Promise<{ owner: string; messages: ChatMessage[] } | undefined>;
  /** Forgets the D1 copy once imported. */
  forgetLegacy(chatId: string): Promise<void>;
  setAlarm(at: number): void | Promise<void>;
  /** Keeps the instance alive for work no request waits on (the object: ctx.waitUntil). */
  keepAlive(task: Promise<unknown>): void;
  onTurnEnd?(stats: TurnStats): void;
  now?: () => number;
};

/** Ends a reader's stream when the turn died without ending it: an error part (the UI shows it), then the end. */
export const INTERRUPTED_SSE = `data: ${JSON.stringify({
  type: "error",
  errorText: "The answer was interrupted. Regenerate it to try again.",
})}\n\ndata: [DONE]\n\n`;

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};


const encoder = new TextEncoder();
const notFound = () => new AppError("not_found:chat", "This chat does not exist.");
const busy = () =>
  new AppError("conflict:turn", "An answer is still being written in this chat. Wait for it, or stop it first.");

type Live = {
  turn: TurnRecord;
  chatId: string;
  rowsBefore: number;
  /** Resolves when the turn has ended (its stream read to the end, the chat free again). */
  ended: Promise<void>;
  markEnded: () => void;
  /** Chunks not yet stored, and when the last batch was. */
  unsaved: string[];
  lastCheckpoint: number;
};

export class ConversationCore {
  private readonly store: ConversationStore;
  private readonly now: () => number;
  /** The latest turn's stream in memory (what readers replay). */
  private chunks: string[];
  private storedRows: number;
  private turn: TurnRecord | undefined;
  private live: Live | undefined;
  /** Taken synchronously by `startTurn` before its first await, so two turns never both start. */
  private locked = false;
  /** The turn being dispatched (its runner may already ask `whenStopped`), and who waits for a stop, by turn. */
  private dispatching: string | undefined;
  /** The runner's save of the turn being dispatched, when it came before the runner's response did. */
  private earlySave: { turnId: string; message: ChatMessage; status: MessageStatus } | undefined;
  private readonly stopWaiters = new Map<string, Set<(stopped: boolean) => void>>();
  private readonly readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private readonly listeners = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: ConversationDeps) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.turn = this.store.loadTurn();
    this.chunks = this.turn ? this.store.loadChunks() : [];
    this.storedRows = this.chunks.length;
    // A new instance runs no turn: one stored as running belonged to an instance that is gone.
    if (this.turn?.state === "running") this.interrupt();
  }

  // ---- access ---------------------------------------------------------------------------------------------------

  /**
   * Whether `owner` may use this chat: "owned", "new" (nobody's yet, and this request may create it) or a 404.
   * A chat from before the objects is imported from D1 on its first use.
   */
  private async access(caller: Caller, mayCreate = false): Promise<"owned" | "new"> {
    const current = this.store.loadOwner();
    if (current) {
      if (current === caller.owner) return "owned";
      throw notFound();
    }
    // A new question may be a new chat: the runner claims its id in D1 alongside the model call (no round trip here).
    if (mayCreate) return "new";
    if (!(await this.adoptLegacy(caller))) throw notFound();
    return "owned";
  }

  private async adoptLegacy({ owner, chatId }: Caller): Promise<boolean> {
    const legacy = await this.deps.importLegacy(chatId);
    if (!legacy || legacy.owner !== owner) return false;
    if (!this.store.loadOwner()) {
      for (const message of legacy.messages) this.store.putMessage(message);
      this.store.saveOwner(owner);
      await this.deps.forgetLegacy(chatId);
    }
    return this.store.loadOwner() === owner;
  }

  /** A copy of a chat (the embed handoff): the new chat's owner and messages, before anything else uses it. */
  adopt(owner: string, messages: ChatMessage[]): void {
    if (this.store.loadOwner()) throw new AppError("conflict:chat", "This chat already exists.");
    for (const message of messages) this.store.putMessage(message);
    this.store.saveOwner(owner);
  }

  // ---- turns ----------------------------------------------------------------------------------------------------

  /** POST /api/chat: the answer's stream (or a JSON error). The turn goes on when the caller stops reading. */
  async startTurn(input: TurnInput): Promise<Response> {
    // A stopped answer may still be finishing (its save): a question right after Stop waits for it, not a 409.
    const stopping = this.live?.turn.stopRequested ? this.live.ended : undefined;
    if (stopping) await Promise.race([stopping, sleep(CONVERSATION_SETTINGS.stopWaitMs)]);
    if (this.locked) return busy().toResponse();
    this.locked = true;
    const rowsBefore = this.store.rowsWritten ?? 0;
    let started = false;
    try {
      const { request } = input;
      const newQuestion = request.trigger === "submit-message" && request.message?.role === "user";
      const caller = { owner: input.owner, chatId: request.id };
      let access = await this.access(caller, newQuestion);
      const turnId = crypto.randomUUID();
      this.dispatching = turnId;
      const dispatch = () =>
        this.deps.dispatch({ ...input, turnId, history: this.store.loadMessages(), newChat: access === "new" });
      let response = await dispatch();
      if (!response.ok && access === "new" && (await errorCode(response)) === LEGACY_CHAT_CODE) {
        // The id is this visitor's chat from before the objects: import it, then run the turn on its history.
        if (!(await this.adoptLegacy(caller))) throw notFound();
        access = "owned";
        response = await dispatch();
      }
      if (!response.ok || !response.body) return response;

      // The runner accepted the turn (limits, budget, the id's owner): only now does anything change here.
      if (access === "new") this.store.saveOwner(input.owner);
      const continues = request.trigger === "submit-message" && request.message?.role === "assistant";
      if (request.trigger === "regenerate-message") {
        const target = this.store.loadMessages().find((message) => message.id === request.messageId);
        if (target?.role === "assistant") this.store.deleteMessagesFrom(target.id);
      } else if (request.message && !continues) {
        // The question's metadata is the server's: whatever the client attached (a forged model or usage) is dropped.
        this.store.putMessage({ ...request.message, metadata: { status: "complete" } });
      }
      this.beginTurn({ id: turnId, state: "running", continues, stopRequested: false, saved: false, endedAt: null }, request.id, rowsBefore);
      started = true;
      this.deps.keepAlive(this.pump(response.body));
      return new Response(this.read(), { headers: SSE_HEADERS });
    } catch (error) {
      return error instanceof AppError ? error.toResponse() : errorAsResponse(error);
    } finally {
      this.dispatching = undefined;
      const early = this.earlySave;
      this.earlySave = undefined;
      if (started && early) this.saveAnswer(early.turnId, early.message, early.status);
      if (!started) {
        this.locked = false;
        this.settleStop(undefined, false);
      }
    }
  }

  private beginTurn(turn: TurnRecord, chatId: string, rowsBefore: number): void {
    this.closeReaders();
    this.chunks = [];
    this.storedRows = 0;
    this.store.clearChunks();
    this.turn = turn;
    this.store.saveTurn(turn);
    let markEnded!: () => void;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    this.live = { turn, chatId, rowsBefore, unsaved: [], lastCheckpoint: this.now(), ended, markEnded };
    void this.deps.setAlarm(this.now() + CONVERSATION_SETTINGS.watchdogMs);
    this.announce("turn", { turnId: turn.id });
  }

  /** Reads the runner's stream to its end: every chunk to the log, the readers and (in batches) storage. */
  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const live = this.live!;
    const decoder = new TextDecoder();
    const reader = body.getReader();
    let failed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.live !== live) {
          // The chat was deleted meanwhile: what the runner still sends reaches no one.
          void reader.cancel().catch(() => {});
          return;
        }
        this.append(live, decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      failed = true;
      console.error("conversation: the answer's stream broke:", error);
    }
    if (this.live !== live) return; // the chat was deleted meanwhile
    const tail = decoder.decode();
    if (tail) this.append(live, tail);
    // A broken stream ends with an error part for its readers; an answer the runner never saved is read back from
    // the stream later (`history`).
    if (failed) this.append(live, INTERRUPTED_SSE);
    this.checkpoint(live);
    this.endTurn(failed || !live.turn.saved ? "interrupted" : "ended");
  }

  private append(live: Live, text: string): void {
    if (!text) return;
    this.chunks.push(text);
    live.unsaved.push(text);
    const bytes = encoder.encode(text);
    for (const reader of this.readers) {
      try {
        reader.enqueue(bytes);
      } catch {
        this.readers.delete(reader); // the reader went away
      }
    }
    if (this.now() - live.lastCheckpoint >= CONVERSATION_SETTINGS.checkpointMs) this.checkpoint(live);
  }

  /** One row for everything since the last one: the partial answer survives a restart. */
  private checkpoint(live: Live): void {
    live.lastCheckpoint = this.now();
    if (live.unsaved.length === 0) return;
    this.store.addChunk(this.storedRows++, live.unsaved.join(""));
    live.unsaved = [];
  }

  private endTurn(state: "ended" | "interrupted"): void {
    const live = this.live;
    if (!live) return;
    this.live = undefined;
    this.locked = false;
    this.turn = { ...live.turn, state, endedAt: this.now() };
    this.store.saveTurn(this.turn);
    this.settleStop(live.turn.id, false);
    live.markEnded();
    this.closeReaders();
    void this.deps.setAlarm(this.now() + CONVERSATION_SETTINGS.retentionMs);
    this.deps.onTurnEnd?.({
      chatId: live.chatId,
      turnId: live.turn.id,
      state,
      chunks: this.chunks.length,
      bytes: this.chunks.reduce((sum, chunk) => sum + chunk.length, 0),
      rowsWritten: (this.store.rowsWritten ?? 0) - live.rowsBefore,
    });
    this.announce("end", { turnId: live.turn.id });
  }

  /** A turn stored as running with nobody running it: readers get an error part, the stream is kept. */
  private interrupt(): void {
    if (!this.turn || this.turn.state !== "running") return;
    this.store.addChunk(this.storedRows++, INTERRUPTED_SSE);
    this.chunks.push(INTERRUPTED_SSE);
    this.turn = { ...this.turn, state: "interrupted", endedAt: this.now() };
    this.store.saveTurn(this.turn);
  }

  /**
   * The runner's save of the answer (at its end, however it ended). An answer of a turn this instance does not run
   * (it restarted meanwhile) is kept as interrupted unless it completed.
   */
  saveAnswer(turnId: string, message: ChatMessage, status: MessageStatus): void {
    if (this.dispatching === turnId) {
      // An answer that ended before its turn began here (a model that failed at once): kept until it begins.
      this.earlySave = { turnId, message, status };
      return;
    }
    if (this.turn?.id !== turnId) return; // a later turn replaced it, or the chat was deleted
    const running = this.live?.turn.id === turnId;
    const kept: MessageStatus = running || status === "complete" ? status : "interrupted";
    this.store.putMessage({ ...message, metadata: { ...message.metadata, status: kept } });
    this.turn = { ...this.turn, saved: true };
    if (this.live) this.live.turn = this.turn;
    this.store.saveTurn(this.turn);
    // An ended turn's stream is kept for its retention only from now on (see `alarm`).
    if (!running) void this.deps.setAlarm(this.now() + CONVERSATION_SETTINGS.retentionMs);
  }

  /** Held open by the runner: true the moment a stop is requested, false when the turn ends without one. */
  whenStopped(turnId: string): Promise<boolean> {
    const running = this.live?.turn.id === turnId;
    // Neither running nor being dispatched here (any more, e.g. the object restarted): stop.
    if (!running && this.dispatching !== turnId) return Promise.resolve(true);
    if (running && this.live!.turn.stopRequested) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.stopWaiters.get(turnId) ?? new Set();
      waiters.add(resolve);
      this.stopWaiters.set(turnId, waiters);
    });
  }

  /** Answers the runners waiting on `turnId` (undefined: every turn). */
  private settleStop(turnId: string | undefined, stopped: boolean): void {
    for (const [id, waiters] of this.stopWaiters) {
      if (turnId !== undefined && id !== turnId) continue;
      for (const resolve of waiters) resolve(stopped);
      this.stopWaiters.delete(id);
    }
  }

  /**
   * POST /api/chat/[id]/stop. `stopped`: an answer was being written and has stopped. Answers once the turn has ended
   * (or after `stopWaitMs`), so the chat takes a new question right after.
   */
  async stop(caller: Caller): Promise<{ stopped: boolean }> {
    await this.access(caller);
    const live = this.live;
    if (!live) return { stopped: false };
    live.turn = { ...live.turn, stopRequested: true };
    this.turn = live.turn;
    this.store.saveTurn(live.turn);
    this.settleStop(live.turn.id, true);
    await Promise.race([live.ended, sleep(CONVERSATION_SETTINGS.stopWaitMs)]);
    return { stopped: true };
  }

  // ---- reading --------------------------------------------------------------------------------------------------

  /** The stored messages (the answer being written is not among them: readers get it from `resume`). */
  async history(caller: Caller): Promise<History> {
    await this.access(caller);
    const messages = this.store.loadMessages();
    const turn = this.turn;
    if (!turn || turn.saved || turn.state === "running" || this.chunks.length === 0) return { messages };
    const last = messages.at(-1);
    return {
      messages,
      pending: { turnId: turn.id, sse: this.chunks.join(""), continues: turn.continues && last?.role === "assistant" ? last.id : undefined },
    };
  }

  /**
   * GET /api/chat/[id]/stream: the latest answer's stream from its start, live while it runs; null (204) when there
   * is none. An ended one is replayed only to a page that was loaded without its answer: `known` is the id of that
   * page's last message.
   */
  async resume(caller: Caller, known: string | null): Promise<Response | null> {
    await this.access(caller);
    if (!this.turn || this.chunks.length === 0) return null;
    if (this.turn.state !== "running") {
      if (known === null) return null;
      const last = this.store.loadMessages().at(-1);
      if (last?.role === "assistant" && last.id === known) return null;
    }
    return new Response(this.read(), { headers: SSE_HEADERS });
  }

  /** A reader of the latest stream: everything so far, then live; it ends with the turn. */
  private read(): ReadableStream<Uint8Array> {
    let reader: ReadableStreamDefaultController<Uint8Array>;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        reader = controller;
        // Synchronously, backlog then registration: no chunk can fall between them or come twice.
        if (this.chunks.length > 0) controller.enqueue(encoder.encode(this.chunks.join("")));
        if (this.live) this.readers.add(controller);
        else controller.close();
      },
      cancel: () => {
        this.readers.delete(reader);
      },
    });
  }

  private closeReaders(): void {
    for (const reader of this.readers) {
      try {
        reader.close();
      } catch {
        // gone already
      }
    }
    this.readers.clear();
  }

  /** GET /api/chat/[id]/live: `ready` (is a turn running), then `turn` and `end` as turns start and end. */
  async listen(caller: Caller): Promise<Response> {
    await this.access(caller);
    let listener: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        listener = controller;
        controller.enqueue(encoder.encode(sseEvent("ready", { running: this.live !== undefined })));
        this.listeners.add(controller);
        this.keepAliveTimer ??= setInterval(() => this.broadcast(encoder.encode(": keep-alive\n\n")), CONVERSATION_SETTINGS.keepAliveMs);
      },
      cancel: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0 && this.keepAliveTimer) {
          clearInterval(this.keepAliveTimer);
          this.keepAliveTimer = undefined;
        }
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  private announce(event: "turn" | "end", data: Record<string, unknown>): void {
    this.broadcast(encoder.encode(sseEvent(event, data)));
  }

  private broadcast(bytes: Uint8Array): void {
    for (const listener of this.listeners) {
      try {
        listener.enqueue(bytes);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  // ---- upkeep ---------------------------------------------------------------------------------------------------

  /** The alarm: marks a turn whose runner is gone as interrupted, and drops a finished stream after its retention. */
  async alarm(): Promise<void> {
    if (this.live) {
      await this.deps.setAlarm(this.now() + CONVERSATION_SETTINGS.watchdogMs);
      return;
    }
    this.interrupt();
    const turn = this.turn;
    if (!turn?.endedAt) return;
    // An unsaved answer keeps its stream until it is read (it becomes the message then).
    if (!turn.saved) return;
    const due = turn.endedAt + CONVERSATION_SETTINGS.retentionMs;
    if (this.now() < due) {
      await this.deps.setAlarm(due);
      return;
    }
    this.chunks = [];
    this.storedRows = 0;
    this.store.clearChunks();
  }

  /** DELETE /api/chats/[id]: stops a running turn and forgets everything. */
  clear(caller: Caller): void {
    // Nobody's (a chat only in D1, whose rows the caller deleted): nothing here.
    const owner = this.store.loadOwner();
    if (owner !== caller.owner) {
      if (owner) throw notFound();
      return;
    }
    this.settleStop(undefined, true);
    this.live?.markEnded();
    this.live = undefined;
    this.locked = false;
    this.turn = undefined;
    this.chunks = [];
    this.closeReaders();
    this.store.clear();
  }

  /** For tests: what the conversation holds. */
  status(): { running: boolean; turn: TurnRecord | undefined; storedRows: number; readers: number } {
    return { running: this.live !== undefined, turn: this.turn, storedRows: this.storedRows, readers: this.readers.size };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: string } };
    return body.error?.code;
  } catch {
    return undefined;
  }
}

function errorAsResponse(error: unknown): Response {
  console.error("conversation:", error);
  return new AppError("internal:chat", "Something went wrong on the server.").toResponse();
}
