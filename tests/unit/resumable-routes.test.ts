import { describe, expect, it } from "vitest";
import { GET as streamRoute } from "@/app/api/chat/[id]/stream/route";
import { POST as stopRoute } from "@/app/api/chat/[id]/stop/route";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { newVisitor } from "../support/ui-client";

/**
 * The active-stream record (chats.active_stream_id) and the resume/stop routes where there is no StreamRoom binding
 * (vitest, like next dev): nothing is resumable, GET …/stream answers 204 and POST …/stop `{ stopped: false }`, and
 * both are scoped to the chat's owner. With the binding (the worker) they are covered by tests/e2e/resume.spec.ts.
 */
const BASE = "http://localhost";
const context = (id: string) => ({ params: Promise.resolve({ id }) });


const resume = (cookie: string, id: string) =>
  streamRoute(new Request(`${BASE}/api/chat/${id}/stream`, { headers: { cookie } }), context(id));
const stop = (cookie: string, id: string) =>
  stopRoute(new Request(`${BASE}/api/chat/${id}/stop`, { method: "POST", headers: { cookie } }), context(id));

describe("active stream record (D1)", () => {
  it("is set, read and cleared per owner; clearing an older stream keeps a newer one", async () => {
    const owner = `visitor-${crypto.randomUUID()}`;
    const chats = chatsFor(await getDb(), owner);
    const stranger = chatsFor(await getDb(), `visitor-${crypto.randomUUID()}`);
    const id = crypto.randomUUID();
    await chats.create({ id });
    expect(await chats.activeStream(id)).toBeNull();

    expect(await chats.setActiveStream(id, "stream-1")).toBe(true);
    expect(await chats.activeStream(id)).toBe("stream-1");
    expect(await stranger.activeStream(id)).toBeNull();
    expect(await stranger.setActiveStream(id, "forged")).toBe(false);
    await stranger.clearActiveStream(id, "stream-1");
    expect(await chats.activeStream(id)).toBe("stream-1");

    await chats.setActiveStream(id, "stream-2");
    await chats.clearActiveStream(id, "stream-1"); // the first answer's save, late: the second one stays
    expect(await chats.activeStream(id)).toBe("stream-2");
    await chats.clearActiveStream(id, "stream-2");
    expect(await chats.activeStream(id)).toBeNull();
  });
});

describe("GET /api/chat/[id]/stream and POST /api/chat/[id]/stop without stream rooms", () => {
  it("answer 204 and { stopped: false } for the owner, 404 for anyone else and for a missing chat", async () => {
    const owner = await newVisitor();
    const other = await newVisitor();
    const id = crypto.randomUUID();
    const chats = chatsFor(await getDb(), owner.id);
    await chats.create({ id });
    await chats.setActiveStream(id, "0".repeat(64));

    const replay = await resume(owner.cookie, id);
    expect(replay.status).toBe(204);
    expect(await replay.text()).toBe("");
    const stopped = await stop(owner.cookie, id);
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ stopped: false });

    for (const response of [
      await resume(other.cookie, id),
      await stop(other.cookie, id),
      await resume(owner.cookie, crypto.randomUUID()),
      await stop(owner.cookie, "x".repeat(200)),
    ]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "not_found:chat" } });
    }
  });

  it("a first-time visitor gets a 404 and no identity", async () => {
    const response = await resume("", crypto.randomUUID());
    expect(response.status).toBe(404);
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});
