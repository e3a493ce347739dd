import { describe, expect, it } from "vitest";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import type { ChatMessage } from "@/lib/chat/types";

// The real local D1 (tests/support/cloudflare-context.ts): a fresh database for this file, migrations applied.
const visitor = () => `visitor-${crypto.randomUUID()}`;
const store = async (owner = visitor()) => chatsFor(await getDb(), owner);
const text = (id: string, role: "user" | "assistant", value: string): ChatMessage => ({
  id,
  role,
  parts: [{ type: "text", text: value }],
});

describe("chatsFor (D1)", () => {
  it("creates a chat once; the same id cannot be created twice, by anyone", async () => {
    const id = crypto.randomUUID();
    const mine = await store();
    expect(await mine.create({ id, model: "demo:offline" })).toMatchObject({ id, model: "demo:offline", title: null });
    expect(await mine.create({ id })).toBeUndefined();
    expect(await (await store()).create({ id })).toBeUndefined();
    expect(await mine.get(id)).toMatchObject({ id });
  });

  it("saves messages in order, replaces a message saved again, and keeps status, model and usage", async () => {
    const chats = await store();
    const id = crypto.randomUUID();
    await chats.create({ id });
    await chats.saveMessage(id, { message: text("u1", "user", "Hi"), status: "complete" });
    await chats.saveMessage(id, { message: text("a1", "assistant", "Hel"), status: "streaming", model: "demo:offline" });
    const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5 } as ChatMessage["metadata"] & object;
    await chats.saveMessage(id, {
      message: text("a1", "assistant", "Hello!"),
      status: "stopped",
      model: "demo:offline",
      usage: usage as never,
    });
    const messages = await chats.messages(id);
    expect(messages.map((message) => [message.id, message.role, message.parts])).toEqual([
      ["u1", "user", [{ type: "text", text: "Hi" }]],
      ["a1", "assistant", [{ type: "text", text: "Hello!" }]],
    ]);
    expect(messages[1].metadata).toEqual({ status: "stopped", model: "demo:offline", usage });
    expect((await chats.get(id))?.model).toBe("demo:offline");
  });

  it("another visitor sees nothing of a chat: no get, no messages, no rename, no delete, no writes", async () => {
    const owner = await store();
    const stranger = await store();
    const id = crypto.randomUUID();
    await owner.create({ id });
    await owner.saveMessage(id, { message: text("m1", "user", "secret"), status: "complete" });

    expect(await stranger.get(id)).toBeUndefined();
    expect(await stranger.messages(id)).toEqual([]);
    expect(await stranger.rename(id, "mine now")).toBe(false);
    expect(await stranger.remove(id)).toBe(false);
    await expect(stranger.saveMessage(id, { message: text("m2", "user", "x"), status: "complete" })).rejects.toThrow();
    await stranger.deleteMessagesFrom(id, "m1");
    expect((await stranger.list()).chats).toEqual([]);

    expect(await owner.messages(id)).toHaveLength(1);
    expect((await owner.get(id))?.title).toBeNull();
  });

  it("message ids are per chat: the same id in another chat is another message", async () => {
    const chats = await store();
    const first = crypto.randomUUID();
    const second = crypto.randomUUID();
    await chats.create({ id: first });
    await chats.create({ id: second });
    await chats.saveMessage(first, { message: text("shared-id", "user", "original"), status: "complete" });
    await chats.saveMessage(second, { message: text("shared-id", "user", "hijack"), status: "complete" });
    expect((await chats.messages(first))[0].parts).toEqual([{ type: "text", text: "original" }]);
    expect((await chats.messages(second))[0].parts).toEqual([{ type: "text", text: "hijack" }]);
  });

  it("lists newest first in pages with a cursor", async () => {
    const chats = await store();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const id = `chat-${index}-${crypto.randomUUID()}`;
      ids.push(id);
      await chats.create({ id });
      await chats.saveMessage(id, { message: text(`m-${id}`, "user", `hello ${index}`), status: "complete" });
    }
    const first = await chats.list({ limit: 2 });
    expect(first.chats.map((chat) => chat.id)).toEqual([ids[4], ids[3]]);
    const second = await chats.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.chats.map((chat) => chat.id)).toEqual([ids[2], ids[1]]);
    const third = await chats.list({ limit: 2, cursor: second.nextCursor ?? undefined });
    expect(third).toEqual({ chats: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await chats.list({ cursor: "garbage" })).chats).toHaveLength(5);
  });

  it("rename, a generated title that never overwrites the user's, and delete with its messages", async () => {
    const chats = await store();
    const id = crypto.randomUUID();
    await chats.create({ id });
    await chats.setTitleIfEmpty(id, "Generated");
    expect((await chats.get(id))?.title).toBe("Generated");
    expect(await chats.rename(id, "Mine")).toBe(true);
    await chats.setTitleIfEmpty(id, "Generated again");
    expect((await chats.get(id))?.title).toBe("Mine");

    await chats.saveMessage(id, { message: text("d1", "user", "x"), status: "complete" });
    expect(await chats.remove(id)).toBe(true);
    expect(await chats.get(id)).toBeUndefined();
    const db = await getDb();
    const left = await db.$client.prepare("SELECT count(*) AS n FROM messages WHERE chat_id = ?").bind(id).first();
    expect(left).toEqual({ n: 0 });
  });

  it("regenerate drops a message and everything after it", async () => {
    const chats = await store();
    const id = crypto.randomUUID();
    await chats.create({ id });
    for (const [mid, role] of [["q1", "user"], ["a1", "assistant"], ["q2", "user"], ["a2", "assistant"]] as const) {
      await chats.saveMessage(id, { message: text(mid, role, mid), status: "complete" });
    }
    await chats.deleteMessagesFrom(id, "a2");
    expect((await chats.messages(id)).map((message) => message.id)).toEqual(["q1", "a1", "q2"]);
    await chats.deleteMessagesFrom(id, "a1");
    expect((await chats.messages(id)).map((message) => message.id)).toEqual(["q1"]);
    await chats.deleteMessagesFrom(id, "unknown");
    expect((await chats.messages(id)).map((message) => message.id)).toEqual(["q1"]);
  });
});
