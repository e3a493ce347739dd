import "server-only";
import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import type { LanguageModelUsage } from "ai";
import type { ChatMessage } from "@/lib/chat/types";
import type { Database } from "./client";
import { chats, messages, type ChatRow, type MessageStatus } from "./schema";

export type ChatSummary = Pick<ChatRow, "id" | "title" | "model"> & { createdAt: string; updatedAt: string };
export type ChatPage = { chats: ChatSummary[]; nextCursor: string | null };

const MAX_PAGE = 100;

export function toSummary(row: ChatRow): ChatSummary {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** "updatedAt-ms:id": the position after the last chat of a page. */
function encodeCursor(row: ChatRow): string {
  return `${row.updatedAt.getTime()}:${row.id}`;
}

function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  const match = cursor?.match(/^(\d{1,15}):(.{1,128})$/);
  return match ? { at: new Date(Number(match[1])), id: match[2] } : undefined;
}

export type SaveMessage = {
  message: ChatMessage;
  status: MessageStatus;
  model?: string;
  usage?: LanguageModelUsage;
};

/**
 * One visitor's conversations. Every read and write is scoped to `ownerId`: another visitor's chat behaves exactly
 * like a chat that does not exist, so ids cannot be probed.
 */
export function chatsFor(db: Database, ownerId: string) {
  if (!ownerId) throw new Error("chatsFor: ownerId is required");
  const owned = (id: string) => and(eq(chats.id, id), eq(chats.ownerId, ownerId));
  const get = (id: string): Promise<ChatRow | undefined> => db.select().from(chats).where(owned(id)).get();

  return {
    get,

    /** Creates the chat, or returns undefined when the id is taken (by anyone). */
    async create({ id, model }: { id: string; model?: string }): Promise<ChatRow | undefined> {
      const now = new Date();
      const rows = await db
        .insert(chats)
        .values({ id, ownerId, model, title: null, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .returning();
      return rows[0];
    },

    /** Newest first, `limit` per page; pass the previous page's `nextCursor` for the next one. */
    async list({ limit = 30, cursor }: { limit?: number; cursor?: string } = {}): Promise<ChatPage> {
      const size = Math.min(Math.max(Math.floor(limit), 1), MAX_PAGE);
      const after = decodeCursor(cursor);
      const rows = await db
        .select()
        .from(chats)
        .where(
          and(
            eq(chats.ownerId, ownerId),
            after
              ? or(lt(chats.updatedAt, after.at), and(eq(chats.updatedAt, after.at), lt(chats.id, after.id)))
              : undefined,
          ),
        )
        .orderBy(desc(chats.updatedAt), desc(chats.id))
        .limit(size + 1);
      const page = rows.slice(0, size);
      return { chats: page.map(toSummary), nextCursor: rows.length > size ? encodeCursor(page[size - 1]) : null };
    },

    async rename(id: string, title: string): Promise<boolean> {
      const rows = await db.update(chats).set({ title }).where(owned(id)).returning({ id: chats.id });
      return rows.length > 0;
    },

    /** Sets the title only if none is set yet (a generated title never overwrites the user's). */
    async setTitleIfEmpty(id: string, title: string): Promise<void> {
      await db
        .update(chats)
        .set({ title })
        .where(and(owned(id), sql`${chats.title} is null`));
    },

    /**
     * A copy of the chat, with its messages (their parts through `copyParts`), for another visitor; its new id, or
     * undefined when this visitor has no such chat. The copy is independent: nothing either does later reaches the other.
     */
    async copyTo(id: string, newOwnerId: string, copyParts: (parts: unknown[]) => unknown[]): Promise<string | undefined> {
      const chat = await get(id);
      if (!chat) return undefined;
      const rows = await db.select().from(messages).where(eq(messages.chatId, id)).orderBy(asc(messages.createdAt), asc(sql`rowid`));
      const copyId = crypto.randomUUID();
      const now = new Date();
      // One row per statement: D1 binds at most 100 parameters to one.
      await db.batch([
        db.insert(chats).values({ id: copyId, ownerId: newOwnerId, title: chat.title, model: chat.model, createdAt: now, updatedAt: now }),
        ...rows.map((row) => db.insert(messages).values({ ...row, chatId: copyId, parts: copyParts(row.parts) })),
      ]);
      return copyId;
    },

    async remove(id: string): Promise<boolean> {
      const rows = await db.delete(chats).where(owned(id)).returning({ id: chats.id });
      return rows.length > 0;
    },

    /** The chat's messages, oldest first, with their stored status in the metadata. */
    async messages(chatId: string): Promise<ChatMessage[]> {
      const rows = await db
        .select({ message: messages })
        .from(messages)
        .innerJoin(chats, eq(messages.chatId, chats.id))
        .where(and(eq(chats.id, chatId), eq(chats.ownerId, ownerId)))
        .orderBy(asc(messages.createdAt), asc(sql`${messages}.rowid`));
      return rows.map(({ message }) => ({
        id: message.id,
        role: message.role,
        parts: message.parts as ChatMessage["parts"],
        metadata: {
          status: message.status,
          ...(message.model ? { model: message.model } : {}),
          ...(message.usage ? { usage: message.usage } : {}),
        },
      }));
    },

    /** Inserts or replaces one message of an owned chat and marks the chat as updated. */
    async saveMessage(chatId: string, { message, status, model, usage }: SaveMessage): Promise<void> {
      const now = new Date();
      if (!(await get(chatId))) throw new Error("saveMessage: not this visitor's chat");
      await db.batch([
        db
          .insert(messages)
          .values({ id: message.id, chatId, role: message.role as "user" | "assistant", parts: message.parts, status, model, usage, createdAt: now })
          .onConflictDoUpdate({ target: [messages.chatId, messages.id], set: { parts: message.parts, status, model, usage } }),
        db.update(chats).set({ updatedAt: now, ...(model ? { model } : {}) }).where(owned(chatId)),
      ]);
    },

    /**
     * Records the latest answer's stream (its StreamRoom id), so a reload can resume it. False: not this visitor's
     * chat. The room says whether it is still streaming.
     */
    async setActiveStream(chatId: string, streamId: string): Promise<boolean> {
      const rows = await db.update(chats).set({ activeStreamId: streamId }).where(owned(chatId)).returning({ id: chats.id });
      return rows.length > 0;
    },

    /** The latest answer's stream, or null (also for another visitor's or a missing chat). */
    async activeStream(chatId: string): Promise<string | null> {
      const row = await db.select({ streamId: chats.activeStreamId }).from(chats).where(owned(chatId)).get();
      return row?.streamId ?? null;
    },

    /** The id and role of the chat's last message (undefined: none, or not this visitor's chat). */
    async lastMessage(chatId: string): Promise<{ id: string; role: "user" | "assistant" } | undefined> {
      return db
        .select({ id: messages.id, role: messages.role })
        .from(messages)
        .innerJoin(chats, eq(messages.chatId, chats.id))
        .where(and(eq(chats.id, chatId), eq(chats.ownerId, ownerId)))
        .orderBy(desc(messages.createdAt), desc(sql`${messages}.rowid`))
        .limit(1)
        .get();
    },

    /** Forgets `streamId` as the active stream, unless a newer answer has replaced it meanwhile. */
    async clearActiveStream(chatId: string, streamId: string): Promise<void> {
      await db
        .update(chats)
        .set({ activeStreamId: null })
        .where(and(owned(chatId), eq(chats.activeStreamId, streamId)));
    },

    /** Regenerate: drops this message and everything after it (rowid is insertion order). */
    async deleteMessagesFrom(chatId: string, messageId: string): Promise<void> {
      if (!(await get(chatId))) return;
      const from = await db
        .select({ rowid: sql<number>`rowid` })
        .from(messages)
        .where(and(eq(messages.id, messageId), eq(messages.chatId, chatId)))
        .get();
      if (!from) return;
      await db.delete(messages).where(and(eq(messages.chatId, chatId), sql`rowid >= ${from.rowid}`));
    },
  };
}

export type ChatStore = ReturnType<typeof chatsFor>;
