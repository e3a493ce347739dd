import "server-only";
import { desc, eq, sql } from "drizzle-orm";
import type { Note, NoteStore } from "@/lib/ai/tools/notes";
import type { Database } from "./client";
import { notes, type NoteRow } from "./schema";

/** Upper bound for one `list` call, whatever the caller asks for. */
const MAX_LIST = 100;

function toNote(row: Pick<NoteRow, "id" | "title" | "body" | "createdAt">): Note {
  return { id: row.id, title: row.title, body: row.body, createdAt: row.createdAt.toISOString() };
}

/** One visitor's notes: every read and write is scoped to `ownerId`. */
export function notesFor(db: Database, ownerId: string): NoteStore {
  if (!ownerId) throw new Error("notesFor: ownerId is required");
  return {
    async add({ title, body }) {
      const row = { id: crypto.randomUUID(), ownerId, title, body, createdAt: new Date() };
      await db.insert(notes).values(row);
      return toNote(row);
    },
    async list(limit) {
      const count = Math.min(Math.max(Math.floor(limit), 0), MAX_LIST);
      if (!count) return [];
      const rows = await db
        .select({ id: notes.id, title: notes.title, body: notes.body, createdAt: notes.createdAt })
        .from(notes)
        .where(eq(notes.ownerId, ownerId))
        // Newest first; rowid (insertion order) breaks ties between notes saved in the same millisecond.
        .orderBy(desc(notes.createdAt), desc(sql`${notes}.rowid`))
        .limit(count);
      return rows.map(toNote);
    },
  };
}
