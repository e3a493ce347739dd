import type { UIMessageChunk } from "ai";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { describe, expect, it } from "vitest";
import { GET as liveRoute } from "@/app/api/chat/[id]/live/route";
import { GET as streamRoute } from "@/app/api/chat/[id]/stream/route";
import { POST as stopRoute } from "@/app/api/chat/[id]/stop/route";
import { conversationFor, RESUME_KNOWN_MESSAGE_HEADER } from "@/lib/chat/conversations";
import type { ChatMessage } from "@/lib/chat/types";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { chatBody, cleanEnvPerTest, iterateChunks, postChat, readChunks, userMessage } from "../support/chat-client";
import { expectJsonError } from "../support/presets";
import { newVisitor, storedMessages } from "../support/ui-client";

/**
 * The routes around a chat's conversation (lib/chat/conversations.ts) where there are no Durable Objects (vitest,
 * like next dev: the same ConversationCore runs in this process): GET …/stream (resume), POST …/stop, GET …/live,
 * each scoped to the chat's owner. With the objects (the worker) they are covered by tests/e2e.
 */
const BASE = "http://localhost";
const context = (id: string) => ({ params: Promise.resolve({ id }) });
const setEnv = cleanEnvPerTest();

const resume = (cookie: string, id: string, known?: string) =>
  streamRoute(
    new Request(`${BASE}/api/chat/${id}/stream`, { headers: { cookie, ...(known ? { [RESUME_KNOWN_MESSAGE_HEADER]: known } : {}) } }),
    context(id),
  );
const stop = (cookie: string, id: string) =>
  stopRoute(new Request(`${BASE}/api/chat/${id}/stop`, { method: "POST", headers: { cookie } }), context(id));
const live = (cookie: string, id: string) => liveRoute(new Request(`${BASE}/api/chat/${id}/live`, { headers: { cookie } }), context(id));

/** A chat of `owner` with these messages in its conversation (as a copied chat gets them). */
async function seedChat(owner: string, messages: ChatMessage[] = []) {
  const id = crypto.randomUUID();
  await chatsFor(await getDb(), owner).create({ id, model: "demo:offline" });
  await (await conversationFor(id)).adopt(owner, messages);
  return id;
}

/** Starts a long answer of the demo model (DEMO_DELAY_MS per delta) in a new chat of `cookie`'s visitor. */
async function startLongAnswer(cookie: string, questionId = `q-${crypto.randomUUID()}`) {
  const id = `chat-${crypto.randomUUID()}`;
  const response = await postChat({ id, message: userMessage("Write a long essay about the sea", questionId) }, { headers: { cookie } });
  expect(response.status).toBe(200);
  return { id, response, questionId };
}

/** Reads `chunks` text deltas from a chunk iterator. */
async function readDeltas(chunks: AsyncGenerator<UIMessageChunk | "[DONE]">, count: number, into: (UIMessageChunk | "[DONE]")[]) {
  let deltas = 0;
  while (deltas < count) {
    const next = await chunks.next();
    if (next.done) throw new Error(`the stream ended after ${deltas} text deltas`);
    into.push(next.value);
    if (next.value !== "[DONE]" && next.value.type === "text-delta") deltas++;
  }
}

async function rest(chunks: AsyncGenerator<UIMessageChunk | "[DONE]">, into: (UIMessageChunk | "[DONE]")[]) {
  for await (const chunk of chunks) into.push(chunk);
  return into;
}

async function storedAnswer(id: string, owner: string) {
  let answer: ChatMessage | undefined;
  await expect
    .poll(
      async () => {
        answer = (await storedMessages(id, owner)).find((message) => message.role === "assistant");
        return answer?.metadata?.status;
      },
      { timeout: 10_000 },
    )
    .toBeDefined();
  return answer!;
}

const textOf = (chunks: (UIMessageChunk | "[DONE]")[]) =>
  chunks.flatMap((chunk) => (chunk !== "[DONE]" && chunk.type === "text-delta" ? [chunk.delta] : [])).join("");

describe("GET /api/chat/[id]/stream and POST /api/chat/[id]/stop with nothing being written", () => {
  it("answer 204 and { stopped: false } for the owner, 404 for anyone else and for a missing chat", async () => {
    const owner = await newVisitor();
    const other = await newVisitor();
    const id = await seedChat(owner.id, [{ id: "q1", role: "user", parts: [{ type: "text", text: "Hi" }], metadata: { status: "complete" } }]);

    const replay = await resume(owner.cookie, id);
    expect(replay.status).toBe(204);
    expect(await replay.text()).toBe("");
    // Also for a page that says which message it has: there is no answer stream at all.
    expect((await resume(owner.cookie, id, "q1")).status).toBe(204);
    const stopped = await stop(owner.cookie, id);
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ stopped: false });

    for (const response of [
      await resume(other.cookie, id),
      await stop(other.cookie, id),
      await live(other.cookie, id),
      await resume(owner.cookie, crypto.randomUUID()),
      await stop(owner.cookie, "x".repeat(200)),
    ]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "not_found:chat" } });
    }
  });

  it("a first-time visitor gets a 404 and no identity", async () => {
    const response = await resume("", crypto.randomUUID());
    expect(response.status).toBe(404);
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});

describe("an answer being written", () => {
  it("a second reader gets it from its start, then live: the same chunks as the page that asked, once each, in order", async () => {
    setEnv({ DEMO_DELAY_MS: "2" });
    const me = await newVisitor();
    const { id, response } = await startLongAnswer(me.cookie);
    const posted: (UIMessageChunk | "[DONE]")[] = [];
    const postedChunks = iterateChunks(response);
    await readDeltas(postedChunks, 5, posted);

    const late = await resume(me.cookie, id);
    expect(late.status).toBe(200);
    expect(late.headers.get("content-type")).toBe("text/event-stream");
    expect(late.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    const [first, second] = await Promise.all([rest(postedChunks, posted), readChunks(late)]);

    expect(second.sawDone).toBe(true);
    expect([...second.chunks, "[DONE]"]).toEqual(first);
    expect(first.filter((chunk) => chunk !== "[DONE]" && chunk.type === "start")).toHaveLength(1);
    expect(first.at(-1)).toBe("[DONE]");
    // It went on to its end and was saved whole.
    const answer = await storedAnswer(id, me.id);
    expect(answer.metadata?.status).toBe("complete");
    expect(answer.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("")).toBe(textOf(first));
  });

  it("closing the page stops nothing: the answer is written to its end and saved", async () => {
    setEnv({ DEMO_DELAY_MS: "1" });
    const me = await newVisitor();
    const { id, response } = await startLongAnswer(me.cookie);
    const chunks = iterateChunks(response);
    await readDeltas(chunks, 2, []);
    await chunks.return(undefined); // cancels the body: the page went away

    const answer = await storedAnswer(id, me.id);
    expect(answer.metadata?.status).toBe("complete");
    // The whole essay, as a reader that stayed would have had it.
    const replay = await resume(me.cookie, id, (await storedMessages(id, me.id))[0].id);
    const { chunks: whole, sawDone } = await readChunks(replay);
    expect(sawDone).toBe(true);
    expect(whole.filter((chunk) => chunk.type === "finish")).toMatchObject([{ finishReason: "stop" }]);
    expect(answer.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("")).toBe(textOf(whole));
  });

  it("POST …/stop stops it for every reader; it is saved as stopped with the words that arrived", async () => {
    setEnv({ DEMO_DELAY_MS: "20" });
    const me = await newVisitor();
    const other = await newVisitor();
    const { id, response } = await startLongAnswer(me.cookie);
    const posted: (UIMessageChunk | "[DONE]")[] = [];
    const postedChunks = iterateChunks(response);
    await readDeltas(postedChunks, 3, posted);
    const late = await resume(me.cookie, id);

    // Someone else cannot stop it.
    await expectJsonError(await stop(other.cookie, id), 404, "not_found:chat");
    const stopped = await stop(me.cookie, id);
    expect(await stopped.json()).toEqual({ stopped: true });
    const [first, second] = await Promise.all([rest(postedChunks, posted), readChunks(late)]);
    const types = first.map((chunk) => (chunk === "[DONE]" ? chunk : chunk.type));
    expect(types).toContain("abort");
    expect(types).not.toContain("error");
    expect([...second.chunks, "[DONE]"]).toEqual(first);

    const answer = await storedAnswer(id, me.id);
    expect(answer.metadata?.status).toBe("stopped");
    const saved = answer.parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
    expect(saved).toBe(textOf(first));
    expect(saved.length).toBeGreaterThan(0);
    // Nothing is running any more.
    expect(await (await stop(me.cookie, id)).json()).toEqual({ stopped: false });
  });

  it("one turn at a time: a second question while one is written is a 409 that stores nothing", async () => {
    setEnv({ DEMO_DELAY_MS: "20" });
    const me = await newVisitor();
    const { id, response, questionId } = await startLongAnswer(me.cookie);
    const chunks = iterateChunks(response);
    await readDeltas(chunks, 1, []);

    await expectJsonError(await postChat({ id, message: userMessage("Wait, another one", "q-second") }, { headers: { cookie: me.cookie } }), 409, "conflict:turn");
    await expectJsonError(await postChat({ id, trigger: "regenerate-message", messageId: questionId }, { headers: { cookie: me.cookie } }), 409, "conflict:turn");
    await stop(me.cookie, id);
    await rest(chunks, []);
    const stored = await storedMessages(id, me.id);
    expect(stored.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(stored[0].id).toBe(questionId);

    // Once it ended, the next question goes through.
    setEnv({ DEMO_DELAY_MS: "0" });
    const next = await postChat(chatBody({ id, text: "Now the second one" }), { headers: { cookie: me.cookie } });
    expect(next.status).toBe(200);
    await readChunks(next);
    expect((await storedMessages(id, me.id)).map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });
});

describe("an answer that has ended", () => {
  it("is replayed only to a page loaded without it (the header names the page's last message)", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const me = await newVisitor();
    const { id, response, questionId } = await startLongAnswer(me.cookie);
    const { chunks } = await readChunks(response);
    const answer = await storedAnswer(id, me.id);

    // A page loaded while it streamed has the question last: it gets the finished stream.
    const replay = await resume(me.cookie, id, questionId);
    expect(replay.status).toBe(200);
    expect((await readChunks(replay)).chunks).toEqual(chunks);
    // A page that has the answer, or says nothing: nothing to resume.
    expect((await resume(me.cookie, id, answer.id)).status).toBe(204);
    expect((await resume(me.cookie, id)).status).toBe(204);
  });
});

describe("GET /api/chat/[id]/live", () => {
  it("says whether an answer is running, then each turn's start and end", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const me = await newVisitor();
    const id = await seedChat(me.id);
    const response = await live(me.cookie, id);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = response
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    const next = async () => {
      const { value } = await events.read();
      return value && { event: value.event, data: JSON.parse(value.data) as unknown };
    };
    try {
      expect(await next()).toEqual({ event: "ready", data: { running: false } });

      const turn = await postChat(chatBody({ id, text: "Hello" }), { headers: { cookie: me.cookie } });
      expect(turn.status).toBe(200);
      await readChunks(turn);
      const started = await next();
      expect(started).toEqual({ event: "turn", data: { turnId: expect.any(String) } });
      expect(await next()).toEqual({ event: "end", data: started!.data });
    } finally {
      await events.cancel();
    }
  });
});
