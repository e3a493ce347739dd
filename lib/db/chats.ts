import "server-only";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "./client";
import { chats, type ChatRow } from "./schema";

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
     * A copy of the chat's row for another visitor (the embed handoff; its messages go to the copy's conversation
     * object): the copy's new id, or undefined when this visitor has no such chat.
     */
    async copyFor(id: string, newOwnerId: string): Promise<string | undefined> {
      const chat = await get(id);
      if (!chat) return undefined;
      const copyId = crypto.randomUUID();
      const now = new Date();
      await db.insert(chats).values({ id: copyId, ownerId: newOwnerId, title: chat.title, model: chat.model, createdAt: now, updatedAt: now });
      return copyId;
    },

    /** A turn ended: the chat moves to the top of the list, with the model that answered. */
    async touch(id: string, model: string): Promise<void> {
      await db.update(chats).set({ updatedAt: new Date(), model }).where(owned(id));
    },

    async remove(id: string): Promise<boolean> {
      const rows = await db.delete(chats).where(owned(id)).returning({ id: chats.id });
      return rows.length > 0;
    },
  };
}

export type ChatStore = ReturnType<typeof chatsFor>;
