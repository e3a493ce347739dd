import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { notesFor } from "@/lib/db/notes";

// The real local D1 (tests/support/cloudflare-context.ts): a fresh database for this file, migrations applied.
const visitor = () => `visitor-${crypto.randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("notesFor (D1)", () => {
  it("getDb() reaches the migrated database through OpenNext's Cloudflare context", async () => {
    const db = await getDb();
    const tables = await db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'notes'").all();
    expect(tables.results).toEqual([{ name: "notes" }]);
    expect(await getDb()).toBe(db);
  });

  it("adds a note and returns it with a random id and an ISO creation time; list returns it", async () => {
    const store = notesFor(await getDb(), visitor());
    const before = Date.now();
    const note = await store.add({ title: "Dentist", body: "Tuesday 10:00" });
    expect(note).toEqual({ id: expect.stringMatching(UUID), title: "Dentist", body: "Tuesday 10:00", createdAt: expect.any(String) });
    expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);
    expect(Date.parse(note.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(note.createdAt)).toBeLessThanOrEqual(Date.now());
    expect(await store.list(10)).toEqual([note]);
    const other = await store.add({ title: "Dentist", body: "again" });
    expect(other.id).not.toBe(note.id);
  });

  it("lists newest first, also for notes saved within the same millisecond, and keeps text as written", async () => {
    const store = notesFor(await getDb(), visitor());
    const titles = ["first", "second", "third 'quoted' \"text\" ✓", "fourth; DROP TABLE notes; --"];
    for (const title of titles) await store.add({ title, body: `${title} body` });
    expect((await store.list(10)).map((note) => note.title)).toEqual([...titles].reverse());
  });

  it("returns at most `limit` notes, the newest ones", async () => {
    const store = notesFor(await getDb(), visitor());
    for (let index = 1; index <= 5; index++) await store.add({ title: `note ${index}`, body: "x" });
    expect((await store.list(2)).map((note) => note.title)).toEqual(["note 5", "note 4"]);
    expect(await store.list(0)).toEqual([]);
    expect(await store.list(100)).toHaveLength(5);
  });

  it("keeps visitors apart: A never sees B's notes", async () => {
    const db = await getDb();
    const a = notesFor(db, visitor());
    const b = notesFor(db, visitor());
    const noteA = await a.add({ title: "A's secret", body: "only for A" });
    const noteB = await b.add({ title: "B's secret", body: "only for B" });
    expect(await a.list(20)).toEqual([noteA]);
    expect(await b.list(20)).toEqual([noteB]);
    expect(await notesFor(db, visitor()).list(20)).toEqual([]);
  });

  it("persists: a new store (a later request) for the same visitor reads what an earlier one saved", async () => {
    const owner = visitor();
    const saved = await notesFor(await getDb(), owner).add({ title: "kept", body: "across requests" });
    expect(await notesFor(await getDb(), owner).list(5)).toEqual([saved]);
  });
});
