import { createChatTools, type ChatToolsContext } from "@/lib/ai/tools";
import type { Note, NoteStore } from "@/lib/ai/tools/notes";

/** Notes kept in memory, for tests whose subject is not the database (lib/db has its own tests against D1). */
export function memoryNotes(): NoteStore & { notes: Note[] } {
  const notes: Note[] = [];
  return {
    notes,
    async add({ title, body }) {
      const note = { id: crypto.randomUUID(), title, body, createdAt: new Date().toISOString() };
      notes.unshift(note);
      return note;
    },
    async list(limit) {
      return notes.slice(0, limit);
    },
  };
}

export function testChatTools(context: Partial<ChatToolsContext> = {}) {
  return createChatTools({ notes: memoryNotes(), ...context });
}
