import { describe, expect, it } from "vitest";
import { GET as listRoute } from "@/app/api/chats/route";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "@/app/api/chats/[id]/route";
import { conversationFor } from "@/lib/chat/conversations";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import type { ChatMessage } from "@/lib/chat/types";
import { newVisitor, storedMessages } from "../support/ui-client";

// The route handlers, called directly with Request objects, on the real local D1 (tests/support/cloudflare-context.ts).
const BASE = "http://localhost";
type ErrorBody = { error: { code: string; message: string } };


const context = (id: string) => ({ params: Promise.resolve({ id }) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seedChat(visitorId: string, { title, messages = [] }: { title?: string; messages?: ChatMessage[] } = {}) {
  const chats = chatsFor(await getDb(), visitorId);
  const id = crypto.randomUUID();
  await chats.create({ id, model: "demo:offline" });
  if (title) await chats.rename(id, title);
  // The messages live in the chat's conversation, as a copied chat's do (the embed handoff).
  const stored = messages.map((message) => ({
    ...message,
    metadata: {
      ...message.metadata,
      status: message.metadata?.status ?? "complete",
      ...(message.role === "assistant" ? { model: "demo:offline" } : {}),
    },
  }));
  await (await conversationFor(id)).adopt(visitorId, stored);
  return id;
}

const list = (cookie: string, query = "") => listRoute(new Request(`${BASE}/api/chats${query}`, { headers: { cookie } }));
const get = (cookie: string, id: string) =>
  getRoute(new Request(`${BASE}/api/chats/${id}`, { headers: { cookie } }), context(id));
const patch = (cookie: string, id: string, body: unknown, contentType = "application/json") =>
  patchRoute(
    new Request(`${BASE}/api/chats/${id}`, {
      method: "PATCH",
      headers: { cookie, "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    context(id),
  );
const remove = (cookie: string, id: string) =>
  deleteRoute(new Request(`${BASE}/api/chats/${id}`, { method: "DELETE", headers: { cookie } }), context(id));

describe("GET /api/chats", () => {
  it("gives a first-time visitor an empty list and no identity (reads never mint one); renews a returning one's cookie", async () => {
    const response = await listRoute(new Request(`${BASE}/api/chats`));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.json()).toEqual({ chats: [], nextCursor: null });
    const { cookie } = await newVisitor();
    const renewed = (await list(cookie)).headers.get("set-cookie") ?? "";
    expect(renewed.split(";")[0]).toBe(cookie);
    expect(renewed).toContain("HttpOnly");
  });

  it("lists only the visitor's own chats, newest first, page by page", async () => {
    const me = await newVisitor();
    const other = await newVisitor();
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      ids.push(await seedChat(me.id, { title: `Chat ${index}` }));
      await sleep(5);
    }
    await seedChat(other.id, { title: "Not mine" });

    const first = await list(me.cookie, "?limit=2");
    expect(first.status).toBe(200);
    expect(first.headers.get("set-cookie")?.split(";")[0]).toBe(me.cookie); // a known visitor keeps their cookie
    const page1 = (await first.json()) as { chats: { id: string; title: string }[]; nextCursor: string | null };
    expect(page1.chats.map((chat) => chat.id)).toEqual([ids[2], ids[1]]);
    expect(page1.chats[0]).toMatchObject({ title: "Chat 2", model: "demo:offline" });
    expect(page1.nextCursor).toEqual(expect.any(String));

    const second = await list(me.cookie, `?limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`);
    expect(await second.json()).toEqual({ chats: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });

  it("refuses a bad limit or cursor with a 400 JSON error", async () => {
    const me = await newVisitor();
    for (const query of ["?limit=abc", "?limit=0", "?limit=101", "?limit=2.5", "?cursor=garbage"]) {
      const response = await list(me.cookie, query);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("bad_request:chat");
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });
});

describe("GET /api/chats/[id]", () => {
  it("returns the chat and its messages with their stored status", async () => {
    const me = await newVisitor();
    const question: ChatMessage = { id: "q1", role: "user", parts: [{ type: "text", text: "Hello?" }] };
    const answer: ChatMessage = {
      id: "a1",
      role: "assistant",
      parts: [{ type: "text", text: "Hel" }],
      metadata: { status: "stopped" },
    };
    const id = await seedChat(me.id, { title: "Greetings", messages: [question, answer] });

    const response = await get(me.cookie, id);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { chat: { id: string; title: string }; messages: ChatMessage[] };
    expect(body.chat).toMatchObject({ id, title: "Greetings" });
    expect(body.messages.map((message) => [message.id, message.role, message.metadata?.status])).toEqual([
      ["q1", "user", "complete"],
      ["a1", "assistant", "stopped"],
    ]);
  });

  it("answers another visitor's chat exactly like a missing one: 404, not 403", async () => {
    const owner = await newVisitor();
    const stranger = await newVisitor();
    const id = await seedChat(owner.id, { title: "Private" });

    const theirs = await get(stranger.cookie, id);
    const missing = await get(stranger.cookie, crypto.randomUUID());
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await theirs.json()).toEqual(await missing.json());

    // Without any cookie: the same 404, and no identity minted for a read.
    const anonymous = await getRoute(new Request(`${BASE}/api/chats/${id}`), context(id));
    expect(anonymous.status).toBe(404);
    expect(anonymous.headers.get("set-cookie")).toBeNull();
  });

  it("refuses an id that is too long with a 400", async () => {
    const me = await newVisitor();
    const response = await get(me.cookie, "x".repeat(200));
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("bad_request:chat");
  });
});

describe("PATCH /api/chats/[id]", () => {
  it("renames with a trimmed title and returns the chat", async () => {
    const me = await newVisitor();
    const id = await seedChat(me.id);
    const response = await patch(me.cookie, id, { title: "  Trip to Kyoto  " });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ chat: expect.objectContaining({ id, title: "Trip to Kyoto" }) });
    expect((await chatsFor(await getDb(), me.id).get(id))?.title).toBe("Trip to Kyoto");

    const longest = "x".repeat(100);
    expect((await patch(me.cookie, id, { title: longest })).status).toBe(200);
  });

  it("refuses empty, too long, missing or non-string titles, bad JSON and other content types", async () => {
    const me = await newVisitor();
    const id = await seedChat(me.id, { title: "Kept" });
    for (const body of [{ title: "" }, { title: "   " }, { title: "x".repeat(101) }, {}, { title: 42 }, "{not json", "[]"]) {
      const response = await patch(me.cookie, id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = (await response.json()) as ErrorBody;
      expect(error.error.code).toMatch(/^bad_request:/);
      expect(error.error.message.length).toBeGreaterThan(0);
    }
    const plain = await patch(me.cookie, id, "title=x", "text/plain");
    expect(plain.status).toBe(415);
    expect((await chatsFor(await getDb(), me.id).get(id))?.title).toBe("Kept");
  });

  it("cannot rename another visitor's chat (404) and leaves it as it was", async () => {
    const owner = await newVisitor();
    const stranger = await newVisitor();
    const id = await seedChat(owner.id, { title: "Original" });
    const response = await patch(stranger.cookie, id, { title: "Mine now" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).error.code).toBe("not_found:chat");
    expect((await chatsFor(await getDb(), owner.id).get(id))?.title).toBe("Original");
  });
});

describe("DELETE /api/chats/[id]", () => {
  it("deletes the chat and its messages (204), after which it is a 404", async () => {
    const me = await newVisitor();
    const id = await seedChat(me.id, {
      messages: [{ id: "q1", role: "user", parts: [{ type: "text", text: "bye" }] }],
    });
    const response = await remove(me.cookie, id);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect((await get(me.cookie, id)).status).toBe(404);
    expect((await remove(me.cookie, id)).status).toBe(404);
    // The conversation is gone too: recreating the id (a new chat by anyone) starts from nothing.
    expect(await storedMessages(id, me.id)).toEqual([]);
    expect(await chatsFor(await getDb(), me.id).create({ id })).toBeDefined();
    expect(await storedMessages(id, me.id)).toEqual([]);
  });

  it("cannot delete another visitor's chat (404); the chat stays", async () => {
    const owner = await newVisitor();
    const stranger = await newVisitor();
    const id = await seedChat(owner.id, { messages: [{ id: "q1", role: "user", parts: [{ type: "text", text: "mine" }] }] });
    expect((await remove(stranger.cookie, id)).status).toBe(404);
    const kept = await get(owner.cookie, id);
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { messages: ChatMessage[] }).messages.map((message) => message.id)).toEqual(["q1"]);
  });
});
