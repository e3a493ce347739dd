/**
 * ConversationCore (lib/chat/conversation-core.ts), what the Conversation Durable Object runs, on the storage the
 * object really uses (SqlConversationStore, lib/chat/conversation-sql-store.ts) over SQLite (node:sqlite standing in
 * for workerd's ctx.storage.sql), with a runner we drive by hand: its answer is an SSE stream we write to, and it
 * saves the answer (`saveAnswer`) as POST /api/chat/run does. The clock is ours too (checkpoints, alarms).
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CONVERSATION_SETTINGS,
  ConversationCore,
  INTERRUPTED_SSE,
  LEGACY_CHAT_CODE,
  type DispatchBody,
} from "@/lib/chat/conversation-core";
import { SqlConversationStore, type Sql } from "@/lib/chat/conversation-sql-store";
import type { ChatMessage, MessageStatus } from "@/lib/chat/types";
import { AppError } from "@/lib/errors";

// ---- SQLite as the object has it --------------------------------------------------------------------------------

/**
 * workerd's `sql.exec(query, ...bindings)` on node:sqlite: several statements in one call (the store's CREATE TABLEs,
 * its `clear`) go through `exec`, one statement through a prepared statement.
 */
function sqlOn(db: DatabaseSync): Sql {
  return {
    exec<T>(query: string, ...bindings: unknown[]) {
      const statements = query.split(";").filter((statement) => statement.trim() !== "");
      if (bindings.length === 0 && statements.length > 1) {
        db.exec(query);
        return { toArray: () => [] as T[] };
      }
      const rows = db.prepare(query).all(...(bindings as SQLInputValue[])) as T[];
      return { toArray: () => rows };
    },
  } as Sql;
}

const countRows = (db: DatabaseSync, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const chunkRows = (db: DatabaseSync) => (db.prepare("SELECT text FROM chunks ORDER BY seq").all() as { text: string }[]).map((row) => row.text);

// ---- a runner we drive --------------------------------------------------------------------------------------------

const encoder = new TextEncoder();
/** Lets the conversation's pump (and any reader) take what was written. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** One SSE event of a UI message stream. */
const sse = (chunk: Record<string, unknown>) => `data: ${JSON.stringify(chunk)}\n\n`;

/** The answer stream of one dispatched turn: what we write to it is what the conversation reads. */
class Runner {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly body = new ReadableStream<Uint8Array>({ start: (controller) => void (this.controller = controller) });
  sent = "";

  response(): Response {
    return new Response(this.body, { headers: { "content-type": "text/event-stream" } });
  }
  async send(text: string) {
    this.sent += text;
    this.controller.enqueue(encoder.encode(text));
    await settle();
  }
  async end() {
    this.controller.close();
    await settle();
  }
  async fail() {
    this.controller.error(new Error("the runner went away"));
    await settle();
  }
}

const ALICE = "visitor-alice";
const BOB = "visitor-bob";
const CHAT = "chat-1";
const alice = { owner: ALICE, chatId: CHAT };

const user = (id: string, text: string): ChatMessage => ({ id, role: "user", parts: [{ type: "text", text }] });
const assistant = (id: string, text: string, status?: MessageStatus): ChatMessage => ({
  id,
  role: "assistant",
  parts: [{ type: "text", text }],
  ...(status ? { metadata: { status } } : {}),
});

type Legacy = { owner: string; messages: ChatMessage[] };

/** A conversation on `db` (a new database unless given: the same one again is the object restarted). */
function conversation(db = new DatabaseSync(":memory:"), legacy = new Map<string, Legacy>()) {
  const clock = { now: 1_700_000_000_000 };
  const dispatched: DispatchBody[] = [];
  /** What the runner answers each dispatch, in order. */
  const runnerAnswers: ((body: DispatchBody) => Response | Promise<Response>)[] = [];
  const tasks: Promise<unknown>[] = [];
  const alarms: number[] = [];
  const imports: string[] = [];
  const forgotten: string[] = [];
  const core = new ConversationCore({
    store: new SqlConversationStore(sqlOn(db)),
    dispatch: async (body) => {
      dispatched.push(structuredClone(body));
      const answer = runnerAnswers.shift();
      if (!answer) throw new Error("no runner answer scripted");
      return answer(body);
    },
    importLegacy: async (chatId) => {
      imports.push(chatId);
      return structuredClone(legacy.get(chatId));
    },
    forgetLegacy: async (chatId) => {
      forgotten.push(chatId);
      legacy.delete(chatId);
    },
    setAlarm: (at) => void alarms.push(at),
    keepAlive: (task) => void tasks.push(task),
    now: () => clock.now,
  });
  /** The next dispatch gets a streaming answer from a new runner. */
  const accept = () => {
    const runner = new Runner();
    runnerAnswers.push(() => runner.response());
    return runner;
  };
  /** The next dispatch is refused by the runner (a 4xx JSON error, as lib/errors.ts writes it). */
  const refuse = (code: `${string}:${string}`, status: number) =>
    runnerAnswers.push(() => Response.json({ error: { code, message: "refused" } }, { status }));
  return { db, core, clock, dispatched, runnerAnswers, tasks, alarms, imports, forgotten, accept, refuse };
}

type Conversation = ReturnType<typeof conversation>;

const ask = (c: Conversation, message: ChatMessage, owner = ALICE) =>
  c.core.startTurn({ owner, request: { id: CHAT, trigger: "submit-message", message }, context: { model: "demo:offline" } });
const regenerate = (c: Conversation, messageId: string, owner = ALICE) =>
  c.core.startTurn({ owner, request: { id: CHAT, trigger: "regenerate-message", messageId }, context: {} });

/** The runner's whole answer: its SSE text, then the save (as the runner does at the end), then the end. */
async function answer(c: Conversation, runner: Runner, message: ChatMessage, status: MessageStatus = "complete") {
  const text = message.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
  await runner.send(sse({ type: "start", messageId: message.id }));
  await runner.send(sse({ type: "text-start", id: "t" }));
  for (const word of text.split(/(?<= )/)) await runner.send(sse({ type: "text-delta", id: "t", delta: word }));
  await runner.send(sse({ type: "text-end", id: "t" }));
  await runner.send(sse({ type: "finish" }) + "data: [DONE]\n\n");
  c.core.saveAnswer(c.dispatched.at(-1)!.turnId, message, status);
  await runner.end();
}

/** Reads a response body to its end. */
async function text(response: Response | null): Promise<string> {
  if (!response?.body) throw new Error("no stream");
  return new Response(response.body).text();
}

async function errorOf(response: Response) {
  return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
}

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

const open: ReadableStreamDefaultReader<Uint8Array>[] = [];
afterEach(async () => {
  // Live channels hold a keep-alive timer until their last listener goes.
  for (const reader of open.splice(0)) await reader.cancel().catch(() => {});
});

// ---- history ------------------------------------------------------------------------------------------------------

describe("history", () => {
  it("an answer the runner saved before its response reached the object (a model that failed at once) is kept", async () => {
    const c = conversation();
    const runner = new Runner();
    const failed = { ...assistant("a1", ""), parts: [], metadata: { model: "openai:x" } } as ChatMessage;
    c.runnerAnswers.push((body) => {
      // The runner's whole answer, saved before its response is back here.
      c.core.saveAnswer(body.turnId, failed, "error");
      return runner.response();
    });
    const response = await ask(c, user("q1", "Hello?"));
    await runner.send(sse({ type: "start", messageId: "a1" }) + sse({ type: "error", errorText: "The model provider failed." }) + "data: [DONE]\n\n");
    await runner.end();
    await text(response);

    expect((await c.core.history(alice)).messages).toEqual([
      { ...user("q1", "Hello?"), metadata: { status: "complete" } },
      { ...failed, metadata: { model: "openai:x", status: "error" } },
    ]);
    expect(c.core.status()).toMatchObject({ running: false, turn: { state: "ended", saved: true } });
  });

  it("the question is stored once the runner accepted the turn, the answer when the runner saves it", async () => {
    const c = conversation();
    let dispatchedWith: { owner: number; messages: number } | undefined;
    const runner = new Runner();
    c.runnerAnswers.push(() => {
      // While the runner decides (limits, budget, the id's owner in D1), nothing is stored yet.
      dispatchedWith = { owner: countRows(c.db, "info"), messages: countRows(c.db, "messages") };
      return runner.response();
    });
    const response = await ask(c, user("q1", "Hello?"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(dispatchedWith).toEqual({ owner: 0, messages: 0 });
    expect(c.dispatched).toEqual([
      {
        owner: ALICE,
        request: { id: CHAT, trigger: "submit-message", message: user("q1", "Hello?") },
        context: { model: "demo:offline" },
        turnId: expect.any(String),
        history: [],
        newChat: true,
      },
    ]);

    // Accepted: the chat is Alice's, with the question; the answer is only in the stream so far.
    expect(await c.core.history(alice)).toEqual({ messages: [{ ...user("q1", "Hello?"), metadata: { status: "complete" } }] });
    await expect(rejection(c.core.history({ owner: BOB, chatId: CHAT }))).resolves.toMatchObject({ code: "not_found:chat" });
    expect(c.core.status()).toMatchObject({ running: true, turn: { state: "running", saved: false } });

    await answer(c, runner, assistant("a1", "Hi there."));
    expect(await text(response)).toBe(runner.sent);
    expect((await c.core.history(alice)).messages).toEqual([
      { ...user("q1", "Hello?"), metadata: { status: "complete" } },
      { ...assistant("a1", "Hi there."), metadata: { status: "complete" } },
    ]);
    expect(c.core.status()).toMatchObject({ running: false, turn: { state: "ended", saved: true } });

    // The next turn's runner gets the stored conversation, before its own change.
    const next = c.accept();
    await ask(c, user("q2", "And?"));
    expect(c.dispatched[1]).toMatchObject({ newChat: false, history: [{ id: "q1" }, { id: "a1" }] });
    await answer(c, next, assistant("a2", "More."));
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2"]);
  });

  it("a question's metadata is the server's: what the client attached (a forged model, usage) is not stored", async () => {
    const c = conversation();
    const runner = c.accept();
    const forged: ChatMessage = { ...user("q1", "Hello?"), metadata: { model: "openai:gpt-5", usage: { inputTokens: 1 } as never } };
    await ask(c, forged);
    expect((await c.core.history(alice)).messages).toEqual([{ ...user("q1", "Hello?"), metadata: { status: "complete" } }]);
    await runner.end();
  });

  it("a runner's refusal (4xx) is passed on, stores nothing and releases the turn", async () => {
    const c = conversation();
    c.refuse("rate_limit:budget", 429);
    const refused = await ask(c, user("q1", "Hello?"));
    expect(await errorOf(refused)).toEqual({ status: 429, code: "rate_limit:budget" });
    for (const table of ["info", "messages", "turn", "chunks"]) expect(countRows(c.db, table), table).toBe(0);
    expect(c.core.status()).toMatchObject({ running: false, turn: undefined });

    // Not locked: the next turn is dispatched and runs.
    const runner = c.accept();
    expect((await ask(c, user("q1", "Hello?"))).status).toBe(200);
    await answer(c, runner, assistant("a1", "Hi."));

    // In an existing chat too: the refused question is not stored, the last turn is as it was.
    const turnBefore = c.core.status().turn;
    c.refuse("payload_too_large:chat", 413);
    expect((await ask(c, user("q2", "x".repeat(10)))).status).toBe(413);
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1"]);
    expect(c.core.status().turn).toEqual(turnBefore);
    // A runner that cannot be reached at all: a 500, and the turn is free again.
    c.runnerAnswers.push(() => Promise.reject(new Error("connection refused")));
    const consoleError = console.error;
    console.error = () => {};
    try {
      expect(await errorOf(await ask(c, user("q2", "Again")))).toEqual({ status: 500, code: "internal:chat" });
    } finally {
      console.error = consoleError;
    }
    const last = c.accept();
    expect((await ask(c, user("q2", "Again"))).status).toBe(200);
    await last.end();
  });

  it("a new question in someone else's chat is a 404 before any dispatch", async () => {
    const c = conversation();
    const runner = c.accept();
    await ask(c, user("q1", "Mine"));
    await answer(c, runner, assistant("a1", "Yours."));
    expect(await errorOf(await ask(c, user("q-evil", "Let me in"), BOB))).toEqual({ status: 404, code: "not_found:chat" });
    expect(await errorOf(await regenerate(c, "a1", BOB))).toEqual({ status: 404, code: "not_found:chat" });
    expect(c.dispatched).toHaveLength(1);
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1"]);
  });

  it("regenerating drops the answer and what follows once accepted; a continued answer is saved in its place", async () => {
    const c = conversation();
    c.core.adopt(ALICE, [user("q1", "One"), assistant("a1", "First."), user("q2", "Two"), assistant("a2", "Second.")]);

    const again = c.accept();
    await regenerate(c, "a1");
    // The runner gets the conversation as stored; it leaves out what the regeneration drops.
    expect(c.dispatched[0].history.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2"]);
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1"]);
    await answer(c, again, assistant("a1-bis", "First, again."));
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1-bis"]);

    // A continuation (an approval, a browser tool's output): the client's copy is not stored, the runner's save
    // replaces the answer where it is.
    const more = c.accept();
    await ask(c, assistant("a1-bis", "forged text"));
    expect((await c.core.history(alice)).messages).toEqual([
      { ...user("q1", "One") },
      { ...assistant("a1-bis", "First, again."), metadata: { status: "complete" } },
    ]);
    await answer(c, more, assistant("a1-bis", "First, again. And more."));
    expect((await c.core.history(alice)).messages.map((message) => [message.id, message.parts])).toEqual([
      ["q1", [{ type: "text", text: "One" }]],
      ["a1-bis", [{ type: "text", text: "First, again. And more." }]],
    ]);
  });
});

// ---- one turn at a time, stop -----------------------------------------------------------------------------------

describe("one turn at a time", () => {
  it("a second turn while one is dispatched or runs is a 409 conflict:turn; after its end the next one goes", async () => {
    const c = conversation();
    let release!: (response: Response) => void;
    const runner = new Runner();
    c.runnerAnswers.push(() => new Promise<Response>((resolve) => (release = resolve)));
    const first = ask(c, user("q1", "One"));
    await settle();
    // Still being dispatched: the lock is already taken.
    expect(await errorOf(await ask(c, user("q2", "Two")))).toEqual({ status: 409, code: "conflict:turn" });
    release(runner.response());
    expect((await first).status).toBe(200);
    // Running.
    expect(await errorOf(await ask(c, user("q2", "Two")))).toEqual({ status: 409, code: "conflict:turn" });
    expect(await errorOf(await regenerate(c, "q1"))).toEqual({ status: 409, code: "conflict:turn" });
    expect(c.dispatched).toHaveLength(1);

    await answer(c, runner, assistant("a1", "Done."));
    const next = c.accept();
    expect((await ask(c, user("q2", "Two"))).status).toBe(200);
    await answer(c, next, assistant("a2", "Also done."));
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2"]);
  });
});

describe("stop", () => {
  it("whenStopped answers true on a stop (also one asked while the turn is dispatched), false when the turn ends without one", async () => {
    const c = conversation();
    const runner = new Runner();
    let askedEarly: Promise<boolean> | undefined;
    c.runnerAnswers.push((body) => {
      // The runner asks before its response is back.
      askedEarly = c.core.whenStopped(body.turnId);
      return runner.response();
    });
    await ask(c, user("q1", "Go"));
    const turnId = c.dispatched[0].turnId;
    const asked = c.core.whenStopped(turnId);
    // Someone else cannot stop it.
    await expect(rejection(c.core.stop({ owner: BOB, chatId: CHAT }))).resolves.toMatchObject({ code: "not_found:chat" });
    expect(c.core.status().turn).toMatchObject({ stopRequested: false });

    let answered: { stopped: boolean } | undefined;
    const stopping = c.core.stop(alice).then((result) => (answered = result));
    await expect(askedEarly).resolves.toBe(true);
    await expect(asked).resolves.toBe(true);
    // Asked again after the stop: at once.
    await expect(c.core.whenStopped(turnId)).resolves.toBe(true);
    expect(c.core.status().turn).toMatchObject({ id: turnId, stopRequested: true, state: "running" });
    expect(JSON.parse((c.db.prepare("SELECT body FROM turn").get() as { body: string }).body)).toMatchObject({ stopRequested: true });
    // Stop answers once the turn has ended, so the chat takes the next question right away.
    expect(answered).toBeUndefined();
    // The runner stops the model, saves what it had, ends its stream.
    await answer(c, runner, assistant("a1", "Partial"), "stopped");
    await stopping;
    expect(answered).toEqual({ stopped: true });
    expect((await c.core.history(alice)).messages.at(-1)?.metadata?.status).toBe("stopped");
    expect(await c.core.stop(alice)).toEqual({ stopped: false });
    // A turn this instance does not run (any more): stop, as there is nobody to run it.
    await expect(c.core.whenStopped(turnId)).resolves.toBe(true);
    await expect(c.core.whenStopped("some-other-turn")).resolves.toBe(true);

    const next = c.accept();
    await ask(c, user("q2", "Go on"));
    const waiting = c.core.whenStopped(c.dispatched[1].turnId);
    await answer(c, next, assistant("a2", "All of it."));
    await expect(waiting).resolves.toBe(false);
  });

  it("a question right after Stop waits for the stopped turn to end (its save), then runs: no 409", async () => {
    const c = conversation();
    const runner = c.accept();
    await ask(c, user("q1", "Go"));
    const stopping = c.core.stop(alice);
    await settle(); // the stop is taken (a request of its own, before the next one)
    const next = c.accept();
    let status: number | undefined;
    const asking = ask(c, user("q2", "Something else")).then((response) => (status = response.status));
    await settle();
    expect(status).toBeUndefined();
    expect(c.dispatched).toHaveLength(1);
    await answer(c, runner, assistant("a1", "Cut"), "stopped");
    await Promise.all([stopping, asking]);
    expect(status).toBe(200);
    // The next turn's runner got the stopped answer in its history.
    expect(c.dispatched[1].history.map((message) => [message.id, message.metadata?.status])).toEqual([
      ["q1", "complete"],
      ["a1", "stopped"],
    ]);
    await answer(c, next, assistant("a2", "Sure."));
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["q1", "a1", "q2", "a2"]);
  });

  it("a stop whose runner does not end the turn still answers, after stopWaitMs", async () => {
    const c = conversation();
    const runner = c.accept();
    await ask(c, user("q1", "Go"));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let answered: { stopped: boolean } | undefined;
      const stopping = c.core.stop(alice).then((result) => (answered = result));
      await vi.advanceTimersByTimeAsync(CONVERSATION_SETTINGS.stopWaitMs - 1);
      expect(answered).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      await stopping;
      expect(answered).toEqual({ stopped: true });
    } finally {
      vi.useRealTimers();
    }
    // Still the runner's to end: the chat stays busy until it does (a question waits as long as a stop, then 409).
    expect(c.core.status().running).toBe(true);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const asking = ask(c, user("q2", "Next"));
      await vi.advanceTimersByTimeAsync(CONVERSATION_SETTINGS.stopWaitMs);
      expect(await errorOf(await asking)).toEqual({ status: 409, code: "conflict:turn" });
    } finally {
      vi.useRealTimers();
    }
    await runner.end();
    expect(c.core.status().running).toBe(false);
  });
});

// ---- readers ------------------------------------------------------------------------------------------------------

describe("readers", () => {
  it("a late reader gets the whole stream from its start, then each live chunk: once, in order, as the first reader", async () => {
    const c = conversation();
    const runner = c.accept();
    const first = await ask(c, user("q1", "Tell me"));
    const firstText = text(first);
    await runner.send(sse({ type: "start", messageId: "a1" }));
    await runner.send(sse({ type: "text-start", id: "t" }));
    await runner.send(sse({ type: "text-delta", id: "t", delta: "one " }));

    // While running, the page's known message does not matter: a running answer is always resumed.
    const late = await c.core.resume(alice, null);
    const lateReader = late!.body!.getReader();
    const decoder = new TextDecoder();
    const backlog = decoder.decode((await lateReader.read()).value);
    expect(backlog).toBe(runner.sent);
    expect(c.core.status().readers).toBe(2);

    const live: string[] = [];
    for (const word of ["two ", "three ", "four "]) {
      await runner.send(sse({ type: "text-delta", id: "t", delta: word }));
      live.push(decoder.decode((await lateReader.read()).value));
    }
    expect(live).toEqual(["two ", "three ", "four "].map((word) => sse({ type: "text-delta", id: "t", delta: word })));
    // A third reader that goes away takes nothing from the others.
    const gone = await c.core.resume(alice, "anything");
    await gone!.body!.cancel();
    expect(c.core.status().readers).toBe(2);

    c.core.saveAnswer(c.dispatched[0].turnId, assistant("a1", "one two three four "), "complete");
    await runner.send(sse({ type: "finish" }) + "data: [DONE]\n\n");
    await runner.end();
    let rest = "";
    for (let next = await lateReader.read(); !next.done; next = await lateReader.read()) rest += decoder.decode(next.value);
    expect(backlog + live.join("") + rest).toBe(runner.sent);
    expect(await firstText).toBe(runner.sent);
    expect(c.core.status().readers).toBe(0);
  });

  it("an ended answer is replayed only to a page that was loaded without it; none before any turn", async () => {
    const c = conversation();
    c.core.adopt(ALICE, [user("q0", "Old"), assistant("a0", "Old answer.")]);
    expect(await c.core.resume(alice, "a0")).toBeNull();

    const runner = c.accept();
    await ask(c, user("q1", "New"));
    await answer(c, runner, assistant("a1", "New answer."));
    // The page says nothing, or has the answer: nothing to resume.
    expect(await c.core.resume(alice, null)).toBeNull();
    expect(await c.core.resume(alice, "a1")).toBeNull();
    // The page was rendered before the answer was saved: the whole finished stream.
    expect(await text(await c.core.resume(alice, "q1"))).toBe(runner.sent);
    await expect(rejection(c.core.resume({ owner: BOB, chatId: CHAT }, "q1"))).resolves.toMatchObject({ code: "not_found:chat" });
  });

  it("a runner stream that breaks ends every reader with an error part; the turn is interrupted", async () => {
    const c = conversation();
    const runner = c.accept();
    const page = await ask(c, user("q1", "Go"));
    await runner.send(sse({ type: "start", messageId: "a1" }));
    const consoleError = console.error;
    console.error = () => {};
    try {
      await runner.fail();
      await Promise.all(c.tasks);
    } finally {
      console.error = consoleError;
    }
    expect(await text(page)).toBe(runner.sent + INTERRUPTED_SSE);
    expect(c.core.status()).toMatchObject({ running: false, turn: { state: "interrupted", saved: false } });
    // The unsaved answer is what the stream holds: the history offers it (lib/chat/conversations.ts makes it a message).
    expect((await c.core.history(alice)).pending).toEqual({ turnId: c.dispatched[0].turnId, sse: runner.sent + INTERRUPTED_SSE, continues: undefined });
  });
});

// ---- checkpoints --------------------------------------------------------------------------------------------------

describe("checkpoints", () => {
  const { checkpointMs } = CONVERSATION_SETTINGS;

  it("a fast stream is stored in few rows: 100 chunks within 100 ms make 1 or 2", async () => {
    expect(checkpointMs).toBeGreaterThan(100);
    const c = conversation();
    const runner = c.accept();
    await ask(c, user("q1", "Go"));
    for (let index = 0; index < 100; index++) {
      c.clock.now += 1;
      await runner.send(sse({ type: "text-delta", id: "t", delta: `w${index} ` }));
    }
    c.core.saveAnswer(c.dispatched[0].turnId, assistant("a1", "..."), "complete");
    await runner.end();
    const rows = chunkRows(c.db);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows.join("")).toBe(runner.sent);
    expect(c.core.status().storedRows).toBe(rows.length);
  });

  it("while it streams, at most one row per checkpointMs, each with everything since the last", async () => {
    const c = conversation();
    const runner = c.accept();
    await ask(c, user("q1", "Go"));
    const step = checkpointMs / 5;
    const chunks = 20;
    for (let index = 0; index < chunks; index++) {
      c.clock.now += step;
      await runner.send(sse({ type: "text-delta", id: "t", delta: `w${index} ` }));
    }
    // Written while the turn runs (a restart now would keep them), fewer rows than chunks.
    const whileRunning = chunkRows(c.db);
    expect(whileRunning.length).toBe(Math.floor((chunks * step) / checkpointMs));
    expect(whileRunning.length).toBeLessThan(chunks);
    expect(whileRunning.join("")).toBe(runner.sent);

    // Within a checkpoint interval: nothing more is written until it passes (or the turn ends).
    await runner.send(sse({ type: "text-delta", id: "t", delta: "tail" }));
    expect(chunkRows(c.db)).toHaveLength(whileRunning.length);
    c.core.saveAnswer(c.dispatched[0].turnId, assistant("a1", "..."), "complete");
    await runner.end();
    expect(chunkRows(c.db)).toHaveLength(whileRunning.length + 1);
    expect(chunkRows(c.db).join("")).toBe(runner.sent);
  });

  it("a new turn replaces the last one's stream", async () => {
    const c = conversation();
    const first = c.accept();
    await ask(c, user("q1", "One"));
    await answer(c, first, assistant("a1", "First."));
    expect(chunkRows(c.db).join("")).toBe(first.sent);
    const second = c.accept();
    await ask(c, user("q2", "Two"));
    expect(chunkRows(c.db)).toEqual([]);
    await answer(c, second, assistant("a2", "Second."));
    expect(chunkRows(c.db).join("")).toBe(second.sent);
  });
});

// ---- recovery after a restart -------------------------------------------------------------------------------------

describe("a restart while a turn runs", () => {
  /** Alice's turn on `db`, streamed past one checkpoint, then one more chunk that is not stored yet. */
  async function interruptedTurn(question = user("q1", "Go")) {
    const c = conversation();
    c.core.adopt(ALICE, [user("q0", "Before"), assistant("a0", "Earlier answer.", "complete")]);
    const runner = c.accept();
    await ask(c, question);
    await runner.send(sse({ type: "start", messageId: "a1" }) + sse({ type: "text-start", id: "t" }));
    await runner.send(sse({ type: "text-delta", id: "t", delta: "Kept " }));
    c.clock.now += CONVERSATION_SETTINGS.checkpointMs;
    await runner.send(sse({ type: "text-delta", id: "t", delta: "words " }));
    const stored = runner.sent;
    expect(chunkRows(c.db).join("")).toBe(stored);
    await runner.send(sse({ type: "text-delta", id: "t", delta: "lost" }));
    // The instance is gone (its runner with it); a new one starts on the same storage.
    const restarted = conversation(c.db);
    return { before: c, restarted, stored, turnId: c.dispatched[0].turnId };
  }

  it("the new instance marks the turn interrupted; the history offers its stored stream as the pending answer", async () => {
    const { restarted, stored, turnId } = await interruptedTurn();
    expect(restarted.core.status()).toMatchObject({ running: false, turn: { id: turnId, state: "interrupted", saved: false } });
    const history = await restarted.core.history(alice);
    expect(history.messages.map((message) => message.id)).toEqual(["q0", "a0", "q1"]);
    expect(history.pending).toEqual({ turnId, sse: stored + INTERRUPTED_SSE, continues: undefined });
    // A page that had the question gets the stored stream too, ending in the error part.
    expect(await text(await restarted.core.resume(alice, "q1"))).toBe(stored + INTERRUPTED_SSE);
    // The conversation is free for the next turn.
    const runner = restarted.accept();
    expect((await ask(restarted, user("q2", "Again"))).status).toBe(200);
    await runner.end();
  });

  it("saving that turn's answer keeps it as interrupted (unless it completed), and it is pending no more", async () => {
    const { restarted, turnId } = await interruptedTurn();
    restarted.core.saveAnswer(turnId, assistant("a1", "Kept words "), "stopped");
    const history = await restarted.core.history(alice);
    expect(history.pending).toBeUndefined();
    expect(history.messages.at(-1)).toEqual({ ...assistant("a1", "Kept words "), metadata: { status: "interrupted" } });
    // A save for another turn changes nothing.
    restarted.core.saveAnswer("another-turn", assistant("a9", "Nope"), "complete");
    expect((await restarted.core.history(alice)).messages.map((message) => message.id)).toEqual(["q0", "a0", "q1", "a1"]);
  });

  it("a continued answer that was interrupted names the answer it continues", async () => {
    const { restarted } = await interruptedTurn(assistant("a0", "Earlier answer."));
    const history = await restarted.core.history(alice);
    expect(history.messages.map((message) => message.id)).toEqual(["q0", "a0"]);
    expect(history.pending?.continues).toBe("a0");
  });

  it("alarms: a running turn's watchdog is renewed; an ended stream is dropped after its retention, an unsaved one kept", async () => {
    const { restarted, turnId } = await interruptedTurn();
    // Not saved: kept, whatever the time (it becomes the answer when it is read).
    restarted.clock.now += CONVERSATION_SETTINGS.retentionMs * 2;
    await restarted.core.alarm();
    expect(chunkRows(restarted.db).length).toBeGreaterThan(0);

    restarted.core.saveAnswer(turnId, assistant("a1", "Kept words "), "stopped");
    const runner = restarted.accept();
    await ask(restarted, user("q2", "Next"));
    const start = restarted.clock.now;
    expect(restarted.alarms.at(-1)).toBe(start + CONVERSATION_SETTINGS.watchdogMs);
    restarted.clock.now += CONVERSATION_SETTINGS.watchdogMs;
    await restarted.core.alarm();
    expect(restarted.alarms.at(-1)).toBe(restarted.clock.now + CONVERSATION_SETTINGS.watchdogMs);
    expect(restarted.core.status().running).toBe(true);

    await answer(restarted, runner, assistant("a2", "Done."));
    const ended = restarted.clock.now;
    expect(restarted.alarms.at(-1)).toBe(ended + CONVERSATION_SETTINGS.retentionMs);
    // Too early (an alarm can come early): set again for the due time, the stream stays.
    restarted.clock.now = ended + CONVERSATION_SETTINGS.retentionMs - 1;
    await restarted.core.alarm();
    expect(restarted.alarms.at(-1)).toBe(ended + CONVERSATION_SETTINGS.retentionMs);
    expect(await restarted.core.resume(alice, "q2")).not.toBeNull();
    restarted.clock.now = ended + CONVERSATION_SETTINGS.retentionMs;
    await restarted.core.alarm();
    expect(chunkRows(restarted.db)).toEqual([]);
    expect(await restarted.core.resume(alice, "q2")).toBeNull();
    expect((await restarted.core.history(alice)).messages.map((message) => message.id)).toEqual(["q0", "a0", "q1", "a1", "q2", "a2"]);
  });
});

// ---- chats from before the conversations (D1) -------------------------------------------------------------------

describe("a chat from before the conversations", () => {
  const legacyChat = (): Legacy => ({ owner: ALICE, messages: [user("old-q", "Old?"), assistant("old-a", "Old.", "complete")] });

  it("is imported on its owner's first use, then forgotten in D1; anyone else gets a 404 and imports nothing", async () => {
    const legacy = new Map([[CHAT, legacyChat()]]);
    const c = conversation(undefined, legacy);
    const refused = await rejection(c.core.history({ owner: BOB, chatId: CHAT }));
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "not_found:chat", status: 404 });
    expect(countRows(c.db, "messages")).toBe(0);
    expect(c.forgotten).toEqual([]);

    expect(await c.core.history(alice)).toEqual({ messages: legacyChat().messages });
    expect(c.forgotten).toEqual([CHAT]);
    expect(countRows(c.db, "messages")).toBe(2);
    // From now on the conversation answers alone.
    const imports = c.imports.length;
    expect((await c.core.history(alice)).messages).toHaveLength(2);
    await expect(rejection(c.core.history({ owner: BOB, chatId: CHAT }))).resolves.toMatchObject({ code: "not_found:chat" });
    expect(c.imports).toHaveLength(imports);
  });

  it("a new question in it: the runner finds the id taken, the conversation imports it and dispatches again", async () => {
    const legacy = new Map([[CHAT, legacyChat()]]);
    const c = conversation(undefined, legacy);
    c.refuse(LEGACY_CHAT_CODE as `${string}:${string}`, 409);
    const runner = c.accept();
    const response = await ask(c, user("q1", "New?"));
    expect(response.status).toBe(200);
    expect(c.dispatched.map((body) => [body.newChat, body.history.map((message) => message.id)])).toEqual([
      [true, []],
      [false, ["old-q", "old-a"]],
    ]);
    expect(c.forgotten).toEqual([CHAT]);
    await answer(c, runner, assistant("a1", "New."));
    expect((await c.core.history(alice)).messages.map((message) => message.id)).toEqual(["old-q", "old-a", "q1", "a1"]);
  });

  it("someone else's: the runner finds the id taken, the conversation refuses with a 404 and stores nothing", async () => {
    const legacy = new Map([[CHAT, legacyChat()]]);
    const c = conversation(undefined, legacy);
    c.refuse(LEGACY_CHAT_CODE as `${string}:${string}`, 409);
    expect(await errorOf(await ask(c, user("q1", "Mine now?"), BOB))).toEqual({ status: 404, code: "not_found:chat" });
    expect(c.dispatched).toHaveLength(1);
    expect(countRows(c.db, "info") + countRows(c.db, "messages")).toBe(0);
    expect(legacy.has(CHAT)).toBe(true);
  });
});

// ---- adopt, clear, live -------------------------------------------------------------------------------------------

describe("adopt and clear", () => {
  it("adopt gives a new conversation its owner and messages, once", async () => {
    const c = conversation();
    c.core.adopt(ALICE, [user("q1", "Copied")]);
    expect((await c.core.history(alice)).messages).toEqual([user("q1", "Copied")]);
    expect(() => c.core.adopt(BOB, [])).toThrow(expect.objectContaining({ code: "conflict:chat" }));
    await expect(rejection(c.core.history({ owner: BOB, chatId: CHAT }))).resolves.toMatchObject({ code: "not_found:chat" });
  });

  it("clear stops a running turn, closes its readers and forgets everything; only the owner may", async () => {
    const c = conversation();
    const runner = c.accept();
    const page = await ask(c, user("q1", "Go"));
    const pageText = text(page);
    const stopped = c.core.whenStopped(c.dispatched[0].turnId);
    await runner.send(sse({ type: "start", messageId: "a1" }));

    expect(() => c.core.clear({ owner: BOB, chatId: CHAT })).toThrow(expect.objectContaining({ code: "not_found:chat" }));
    expect(c.core.status().running).toBe(true);

    c.core.clear(alice);
    await expect(stopped).resolves.toBe(true);
    expect(await pageText).toBe(runner.sent);
    expect(c.core.status()).toMatchObject({ running: false, turn: undefined, readers: 0 });
    for (const table of ["info", "messages", "turn", "chunks"]) expect(countRows(c.db, table), table).toBe(0);
    await expect(rejection(c.core.history(alice))).resolves.toMatchObject({ code: "not_found:chat" });
    // Nobody's any more: clearing again is nothing.
    c.core.clear(alice);
  });

  it("after clear, what the old runner still sends reaches no one and is not stored", async () => {
    const c = conversation();
    const old = c.accept();
    await ask(c, user("q1", "Go"));
    await old.send(sse({ type: "start", messageId: "a1" }));
    c.core.clear(alice);

    // The id starts over (a new chat with it), while the old runner has not noticed the stop yet.
    const fresh = c.accept();
    const page = await ask(c, user("q1", "New start"));
    c.clock.now += CONVERSATION_SETTINGS.checkpointMs;
    // The object lets go of the old stream (its runner then sees the cancel): sending may fail, and changes nothing.
    await old.send(sse({ type: "abort" }) + "data: [DONE]\n\n").catch(() => {});
    await old.end().catch(() => {});
    await answer(c, fresh, assistant("a2", "Fresh."));
    expect(await text(page)).toBe(fresh.sent);
    expect(chunkRows(c.db).join("")).toBe(fresh.sent);
  });
});

describe("live", () => {
  it("tells whether a turn runs, then each turn's start and end", async () => {
    const c = conversation();
    c.core.adopt(ALICE, []);
    const events = (await c.core.listen(alice)).body!.getReader();
    open.push(events);
    const decoder = new TextDecoder();
    const next = async () => decoder.decode((await events.read()).value);
    expect(await next()).toBe(`event: ready\ndata: {"running":false}\n\n`);

    const runner = c.accept();
    await ask(c, user("q1", "Go"));
    const turnId = c.dispatched[0].turnId;
    expect(await next()).toBe(`event: turn\ndata: ${JSON.stringify({ turnId })}\n\n`);
    const late = (await c.core.listen(alice)).body!.getReader();
    open.push(late);
    expect(decoder.decode((await late.read()).value)).toBe(`event: ready\ndata: {"running":true}\n\n`);
    await answer(c, runner, assistant("a1", "Done."));
    expect(await next()).toBe(`event: end\ndata: ${JSON.stringify({ turnId })}\n\n`);
    await expect(rejection(c.core.listen({ owner: BOB, chatId: CHAT }))).resolves.toMatchObject({ code: "not_found:chat" });
  });
});
