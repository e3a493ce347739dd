import type { LanguageModelUsage } from "ai";
import { describe, expect, it } from "vitest";
import { conversationFor, conversationMessages } from "@/lib/chat/conversations";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { messages as legacyMessages, type MessageStatus } from "@/lib/db/schema";
import type { ChatMessage } from "@/lib/chat/types";
import { AppError } from "@/lib/errors";

// The real local D1 (tests/support/cloudflare-context.ts): a fresh database for this file, migrations applied.
const visitor = () => `visitor-${crypto.randomUUID()}`;
const store = async (owner = visitor()) => chatsFor(await getDb(), owner);

describe("chatsFor (D1: the chat list)", () => {
  it("creates a chat once; the same id cannot be created twice, by anyone", async () => {
    const id = crypto.randomUUID();
    const mine = await store();
    expect(await mine.create({ id, model: "demo:offline" })).toMatchObject({ id, model: "demo:offline", title: null });
    expect(await mine.create({ id })).toBeUndefined();
    expect(await (await store()).create({ id })).toBeUndefined();
    expect(await mine.get(id)).toMatchObject({ id });
  });

  it("another visitor sees nothing of a chat: no get, no list, no rename, no touch, no copy, no delete", async () => {
    const ownerId = visitor();
    const owner = await store(ownerId);
    const stranger = await store();
    const id = crypto.randomUUID();
    await owner.create({ id, model: "demo:offline" });
    const before = await owner.get(id);

    expect(await stranger.get(id)).toBeUndefined();
    expect(await stranger.rename(id, "mine now")).toBe(false);
    await stranger.setTitleIfEmpty(id, "mine now");
    await stranger.touch(id, "openai:gpt-4.1-nano");
    expect(await stranger.copyFor(id, visitor())).toBeUndefined();
    expect(await stranger.remove(id)).toBe(false);
    expect((await stranger.list()).chats).toEqual([]);

    expect(await owner.get(id)).toEqual(before);
    expect((await owner.list()).chats.map((chat) => chat.id)).toEqual([id]);
  });

  it("lists newest first in pages with a cursor; a turn's end (touch) moves a chat to the top with its model", async () => {
    const chats = await store();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const id = `chat-${index}-${crypto.randomUUID()}`;
      ids.push(id);
      await chats.create({ id });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await chats.list({ limit: 2 });
    expect(first.chats.map((chat) => chat.id)).toEqual([ids[4], ids[3]]);
    const second = await chats.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.chats.map((chat) => chat.id)).toEqual([ids[2], ids[1]]);
    const third = await chats.list({ limit: 2, cursor: second.nextCursor ?? undefined });
    expect(third).toEqual({ chats: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await chats.list({ cursor: "garbage" })).chats).toHaveLength(5);

    await chats.touch(ids[1], "demo:offline");
    const touched = await chats.list({ limit: 2 });
    expect(touched.chats.map((chat) => chat.id)).toEqual([ids[1], ids[4]]);
    expect(touched.chats[0]).toMatchObject({ model: "demo:offline" });
  });

  it("rename, a generated title that never overwrites the user's, and delete (with any messages D1 still holds)", async () => {
    const chats = await store();
    const id = crypto.randomUUID();
    await chats.create({ id });
    await chats.setTitleIfEmpty(id, "Generated");
    expect((await chats.get(id))?.title).toBe("Generated");
    expect(await chats.rename(id, "Mine")).toBe(true);
    await chats.setTitleIfEmpty(id, "Generated again");
    expect((await chats.get(id))?.title).toBe("Mine");

    await insertLegacy(id, [{ message: text("d1", "user", "x"), status: "complete" }]);
    expect(await legacyCount(id)).toBe(1);
    expect(await chats.remove(id)).toBe(true);
    expect(await chats.get(id)).toBeUndefined();
    expect(await legacyCount(id)).toBe(0);
  });

  it("copyFor: a new chat row for another visitor, with the title and model, and nothing shared", async () => {
    const ownerId = visitor();
    const newOwnerId = visitor();
    const chats = await store(ownerId);
    const id = crypto.randomUUID();
    await chats.create({ id, model: "demo:offline" });
    await chats.rename(id, "Plans");

    const copyId = await chats.copyFor(id, newOwnerId);
    expect(copyId).toEqual(expect.any(String));
    expect(copyId).not.toBe(id);
    const theirs = await store(newOwnerId);
    expect(await theirs.get(copyId!)).toMatchObject({ id: copyId, ownerId: newOwnerId, title: "Plans", model: "demo:offline" });
    expect(await chats.get(copyId!)).toBeUndefined();
    // Independent: renaming the copy leaves the original as it was.
    await theirs.rename(copyId!, "Mine");
    expect((await chats.get(id))?.title).toBe("Plans");
    expect(await chats.copyFor(crypto.randomUUID(), newOwnerId)).toBeUndefined();
  });
});

// ---- messages stored in D1 before each chat had its conversation (lib/db/legacy-messages.ts) -----------------------

const text = (id: string, role: "user" | "assistant", value: string): ChatMessage => ({
  id,
  role,
  parts: [{ type: "text", text: value }],
});

type LegacyRow = { message: ChatMessage; status: MessageStatus; model?: string; usage?: LanguageModelUsage; at?: number };

/** Rows as the D1 message store wrote them before the conversations (drizzle, the table's own schema). */
async function insertLegacy(chatId: string, rows: LegacyRow[]) {
  const db = await getDb();
  const base = Date.now();
  for (const [index, { message, status, model, usage, at }] of rows.entries()) {
    await db.insert(legacyMessages).values({
      id: message.id,
      chatId,
      role: message.role as "user" | "assistant",
      parts: message.parts,
      status,
      model,
      usage,
      createdAt: new Date(at ?? base + index),
    });
  }
}

async function legacyCount(chatId: string): Promise<number> {
  const db = await getDb();
  const row = await db.$client.prepare("SELECT count(*) AS n FROM messages WHERE chat_id = ?").bind(chatId).first<{ n: number }>();
  return row!.n;
}

const read = async (chatId: string, owner: string) => conversationMessages(await conversationFor(chatId), { owner, chatId });

describe("a chat whose messages are still in D1 (from before the conversations)", () => {
  it("its first read imports them, in order, with status, model and usage, and deletes them from D1", async () => {
    const owner = visitor();
    const id = crypto.randomUUID();
    await (await store(owner)).create({ id, model: "demo:offline" });
    const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5 };
    const t = Date.now();
    // Inserted out of order: the created_at order is the conversation's.
    await insertLegacy(id, [
      { message: text("a1", "assistant", "Hello!"), status: "stopped", model: "demo:offline", usage: usage as LanguageModelUsage, at: t + 1 },
      { message: text("u1", "user", "Hi"), status: "complete", at: t },
      { message: text("u2", "user", "Again"), status: "complete", at: t + 2 },
    ]);

    const messages = await read(id, owner);
    expect(messages.map((message) => [message.id, message.role, message.parts])).toEqual([
      ["u1", "user", [{ type: "text", text: "Hi" }]],
      ["a1", "assistant", [{ type: "text", text: "Hello!" }]],
      ["u2", "user", [{ type: "text", text: "Again" }]],
    ]);
    expect(messages[0].metadata).toEqual({ status: "complete" });
    expect(messages[1].metadata).toEqual({ status: "stopped", model: "demo:offline", usage });
    expect(await legacyCount(id)).toBe(0);
    // From now on the conversation holds them.
    expect(await read(id, owner)).toEqual(messages);
  });

  it("another visitor's read is a 404 that imports nothing; the owner's still gets everything", async () => {
    const owner = visitor();
    const id = crypto.randomUUID();
    await (await store(owner)).create({ id });
    await insertLegacy(id, [{ message: text("m1", "user", "secret"), status: "complete" }]);

    const refused = await read(id, visitor()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "not_found:chat" });
    expect(await legacyCount(id)).toBe(1);

    expect((await read(id, owner)).map((message) => message.id)).toEqual(["m1"]);
    expect(await legacyCount(id)).toBe(0);
    await expect(read(id, visitor())).rejects.toMatchObject({ code: "not_found:chat" });
  });

  it("message ids are per chat: the same id in another chat is another message", async () => {
    const owner = visitor();
    const chats = await store(owner);
    const first = crypto.randomUUID();
    const second = crypto.randomUUID();
    await chats.create({ id: first });
    await chats.create({ id: second });
    await insertLegacy(first, [{ message: text("shared-id", "user", "original"), status: "complete" }]);
    await insertLegacy(second, [{ message: text("shared-id", "user", "hijack"), status: "complete" }]);
    expect((await read(first, owner))[0].parts).toEqual([{ type: "text", text: "original" }]);
    expect((await read(second, owner))[0].parts).toEqual([{ type: "text", text: "hijack" }]);
    expect(await legacyCount(first)).toBe(0);
    expect(await legacyCount(second)).toBe(0);
  });
});
