/**
 * saveNote / listNotes over the in-memory note store (tests/support/tools.ts; lib/db has its own tests against D1),
 * and getUserTimezone, the browser tool: no execute on the server, its output validated by its schema.
 */
import { describe, expect, it } from "vitest";
import { chatToolApproval, withoutEmbedTools } from "@/lib/ai/tools";
import { getUserTimezone } from "@/lib/ai/tools/get-user-timezone";
import { createListNotes, createSaveNote, NOTE_LIMITS, type Note } from "@/lib/ai/tools/notes";
import { memoryNotes, testChatTools } from "../support/tools";

const options = { toolCallId: "call-1", messages: [], context: {} } as never;

type Schema = { safeParse: (value: unknown) => { success: boolean; data?: unknown } };
const schemaOf = (tool: { inputSchema: unknown }) => tool.inputSchema as Schema;

function tools() {
  const store = memoryNotes();
  const saveNote = createSaveNote(store);
  const listNotes = createListNotes(store);
  return {
    store,
    save: async (input: { title: string; body: string }) => (await saveNote.execute!(input, options)) as Note,
    list: async () => (await listNotes.execute!({}, options)) as { notes: Note[] },
    saveNote,
    listNotes,
  };
}

describe("saveNote and listNotes", () => {
  it("saves a note in the visitor's store and returns it with an id and a timestamp", async () => {
    const { store, save } = tools();
    const before = Date.now();
    const note = await save({ title: "Dentist", body: "Tuesday at 3pm" });
    expect(note).toMatchObject({ title: "Dentist", body: "Tuesday at 3pm" });
    expect(note.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(note.createdAt)).toBeGreaterThanOrEqual(before);
    expect(store.notes).toEqual([note]);
  });

  it("lists notes newest first, at most NOTE_LIMITS.listSize", async () => {
    const { save, list } = tools();
    await expect(list()).resolves.toEqual({ notes: [] });
    for (let i = 1; i <= NOTE_LIMITS.listSize + 5; i++) await save({ title: `Note ${i}`, body: `Body ${i}` });
    const { notes } = await list();
    expect(notes).toHaveLength(NOTE_LIMITS.listSize);
    expect(notes[0].title).toBe(`Note ${NOTE_LIMITS.listSize + 5}`);
    expect(notes.at(-1)?.title).toBe("Note 6");
  });

  it("keeps each visitor's notes apart: the tools are bound to the store they were made with", async () => {
    const alice = tools();
    const bob = tools();
    await alice.save({ title: "Alice's", body: "secret" });
    await expect(bob.list()).resolves.toEqual({ notes: [] });
    await expect(alice.list()).resolves.toMatchObject({ notes: [{ title: "Alice's" }] });
  });

  it("saveNote's input schema trims, and bounds title and body", () => {
    const schema = schemaOf(tools().saveNote);
    expect(schema.safeParse({ title: "  Milk  ", body: " buy milk " })).toEqual({
      success: true,
      data: { title: "Milk", body: "buy milk" },
    });
    expect(schema.safeParse({ title: "   ", body: "x" }).success).toBe(false);
    expect(schema.safeParse({ title: "x", body: "" }).success).toBe(false);
    expect(schema.safeParse({ title: "x".repeat(NOTE_LIMITS.maxTitle), body: "x".repeat(NOTE_LIMITS.maxBody) }).success).toBe(true);
    expect(schema.safeParse({ title: "x".repeat(NOTE_LIMITS.maxTitle + 1), body: "x" }).success).toBe(false);
    expect(schema.safeParse({ title: "x", body: "x".repeat(NOTE_LIMITS.maxBody + 1) }).success).toBe(false);
    expect(schema.safeParse({ title: "x" }).success).toBe(false);
  });

  it("listNotes takes no arguments", () => {
    expect(schemaOf(tools().listNotes).safeParse({}).success).toBe(true);
  });

  it("saveNote, and only saveNote, waits for the user's approval", () => {
    expect(chatToolApproval).toEqual({ saveNote: "user-approval" });
    const chatTools = testChatTools();
    expect(Object.keys(chatTools).sort()).toEqual(
      ["calculate", "getCurrentTime", "getPageContext", "getUserTimezone", "getWeather", "listNotes", "saveNote"].sort(),
    );
    // getPageContext is for embedded chats only (lib/chat/turn.ts): the main app's tools leave it out.
    expect(Object.keys(withoutEmbedTools(chatTools))).not.toContain("getPageContext");
    expect(chatTools.saveNote.description).toMatch(/approve/);
  });
});

describe("getUserTimezone (a browser tool)", () => {
  it("has no execute on the server, so the call goes to the browser", () => {
    expect(getUserTimezone.execute).toBeUndefined();
    expect(testChatTools().getUserTimezone).toBe(getUserTimezone);
    expect(schemaOf(getUserTimezone).safeParse({}).success).toBe(true);
  });

  it("validates what the browser sends back against its output schema", () => {
    const output = getUserTimezone.outputSchema as unknown as Schema;
    const good = { timeZone: "Europe/Paris", locale: "fr-FR", localTime: "15/01/2026 14:00:00" };
    expect(output.safeParse(good)).toEqual({ success: true, data: good });
    expect(output.safeParse({ ...good, timeZone: 7 }).success).toBe(false);
    expect(output.safeParse({ timeZone: "Europe/Paris", locale: "fr-FR" }).success).toBe(false);
    expect(output.safeParse({ ...good, timeZone: "x".repeat(65) }).success).toBe(false);
    expect(output.safeParse({ ...good, locale: "x".repeat(65) }).success).toBe(false);
    expect(output.safeParse({ ...good, localTime: "x".repeat(101) }).success).toBe(false);
    expect(output.safeParse("Europe/Paris").success).toBe(false);
  });
});
