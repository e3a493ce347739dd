import { tool } from "ai";
import { z } from "zod";

export const NOTE_LIMITS = { maxTitle: 120, maxBody: 4_000, listSize: 20 };

export type Note = { id: string; title: string; body: string; createdAt: string };

/** Where one visitor's notes live (lib/db/notes.ts binds it to the database and the visitor). */
export type NoteStore = {
  add(note: { title: string; body: string }): Promise<Note>;
  list(limit: number): Promise<Note[]>;
};

/** A side effect the user must approve first: the route lists it in streamText's `toolApproval`. */
export function createSaveNote(notes: NoteStore) {
  return tool({
    description:
      "Save a note for the user so they can read it later (a reminder, a fact, a to-do). The user is asked to approve it before it is saved. Use it only when the user asks you to save, note or remember something.",
    inputSchema: z.object({
      title: z.string().trim().min(1).max(NOTE_LIMITS.maxTitle).describe("A short title, e.g. Dentist appointment"),
      body: z.string().trim().min(1).max(NOTE_LIMITS.maxBody).describe("The note itself, in plain text"),
    }),
    execute: async (note) => notes.add(note),
  });
}

export function createListNotes(notes: NoteStore) {
  return tool({
    description: `List the notes the user has saved, newest first (at most ${NOTE_LIMITS.listSize}).`,
    inputSchema: z.object({}),
    execute: async () => ({ notes: await notes.list(NOTE_LIMITS.listSize) }),
  });
}
