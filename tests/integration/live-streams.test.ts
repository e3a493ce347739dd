/**
 * /usage/live's server side through the real routes (GET /api/usage/live, POST /api/usage/live/[id]/stop): answers of
 * the app (POST /api/chat) and of the OpenAI-compatible API streamed from the fake upstream over real HTTP are listed
 * while they stream, with counters that grow, and the owner's Stop ends them as stopped. Here the registry is the
 * in-process core (there are no Durable Objects in Node); tests/e2e/usage-live.spec.ts runs the object in workerd.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { GET as listRoute } from "@/app/api/usage/live/route";
import { POST as stopRoute } from "@/app/api/usage/live/[id]/stop/route";
import { POST as chatCompletions } from "@/app/v1/chat/completions/route";
import { getDb } from "@/lib/db/client";
import { answerMetrics } from "@/lib/db/schema";
import type { LiveStream, LiveStreamsResponse } from "@/lib/metrics/live-core";
import { ownerSessionCookie } from "@/lib/security/owner";
import { cleanEnvPerTest, iterateChunks } from "../support/chat-client";
import { OPENAI_MODEL, openAIEnv, spyOnConsoleError, startFakeUpstreamsPerFile } from "../support/presets";
import { BrowserChat, storedChat } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();
const OPENAI_ID = `openai:${OPENAI_MODEL}`;
const ADMIN_TOKEN = "live-streams-test-password";
const API_KEY = "ec_live-streams-test-key";

let ownerCookie: string;
let consoleError: MockInstance<typeof console.error>;
beforeEach(async () => {
  process.env.ADMIN_TOKEN = ADMIN_TOKEN;
  ownerCookie = (await ownerSessionCookie({ adminToken: ADMIN_TOKEN, secret: process.env.SESSION_SECRET!, secure: false })).split(";")[0];
  consoleError = spyOnConsoleError();
});
afterEach(() => {
  delete process.env.ADMIN_TOKEN;
  consoleError.mockRestore();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function list(headers: Record<string, string> = { cookie: ownerCookie }): Promise<Response> {
  return listRoute(new Request("http://localhost/api/usage/live", { headers }));
}

function stop(id: string, headers: Record<string, string> = { cookie: ownerCookie }): Promise<Response> {
  return stopRoute(new Request(`http://localhost/api/usage/live/${id}/stop`, { method: "POST", headers }), { params: Promise.resolve({ id }) });
}

async function streams(): Promise<LiveStream[]> {
  const response = await list();
  expect(response.status).toBe(200);
  return ((await response.json()) as LiveStreamsResponse).streams;
}

/** Reads the list as the owner's page does (every 250 ms here) until `found` picks a stream; fails after 10 s. */
async function watchUntil(found: (streams: LiveStream[]) => LiveStream | undefined): Promise<LiveStream> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const stream = found(await streams());
    if (stream) return stream;
    await sleep(250);
  }
  throw new Error("the live list never showed it");
}

/** The usage record of an answer, once written (in the background, after the answer). */
async function recordedStatus(surface: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const rows = await (await getDb()).select().from(answerMetrics);
    const row = rows.find((candidate) => candidate.surface === surface);
    if (row) return row.status;
    await sleep(20);
  }
  throw new Error("no usage record");
}

const slowWords = (count: number) => Array.from({ length: count }, (_, i) => `word${i} `);

beforeEach(async () => {
  await (await getDb()).$client.prepare("DELETE FROM answer_metrics").run();
});

describe("GET /api/usage/live and POST /api/usage/live/[id]/stop", () => {
  it("answer 404 to anyone but the owner, configured or not", async () => {
    const strangers: Record<string, string>[] = [{}, { authorization: "Bearer not-the-token", "cf-connecting-ip": "203.0.113.7" }];
    for (const headers of strangers) {
      expect((await list(headers)).status).toBe(404);
      expect((await stop(crypto.randomUUID(), headers)).status).toBe(404);
    }
    delete process.env.ADMIN_TOKEN;
    expect((await list()).status).toBe(404);
  });

  it("for the owner: the list (empty), 400 for an id that is not one, 404 for an answer not running", async () => {
    expect(await streams()).toEqual([]);
    expect((await list({ authorization: `Bearer ${ADMIN_TOKEN}`, "cf-connecting-ip": "203.0.113.8" })).status).toBe(200);
    const malformed = await stop("not-an-id");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("bad_request:stream");
    const gone = await stop(crypto.randomUUID());
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("not_found:stream");
  });

  it("Stop refuses the owner's request when another site's page sent it (403); a stranger's is still a 404", async () => {
    for (const site of ["cross-site", "same-site"]) {
      const refused = await stop(crypto.randomUUID(), { cookie: ownerCookie, "sec-fetch-site": site });
      expect(refused.status, site).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden:origin");
      expect((await stop(crypto.randomUUID(), { "sec-fetch-site": site })).status).toBe(404);
    }
    const sameOrigin = await stop(crypto.randomUUID(), { cookie: ownerCookie, "sec-fetch-site": "same-origin" });
    expect(((await sameOrigin.json()) as { error: { code: string } }).error.code).toBe("not_found:stream");
  });
});

describe("a running answer on the list", () => {
  it("a chat answer: its chat, surface and model, counters that grow; the owner's Stop ends it as stopped", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    fakes.openai.reply({ type: "text", deltas: slowWords(400), delayMs: 20 });
    // The owner is watching before it starts: the answer reports every second from its first report.
    expect(await streams()).toEqual([]);
    const browser = new BrowserChat();
    const response = await browser.post([{ id: "q1", role: "user", parts: [{ type: "text", text: "Write a lot" }] }]);
    // Read up to the first words (not with for-await and break: that would close the stream).
    const chunks = iterateChunks(response);
    for (let next = await chunks.next(); !next.done && (next.value === "[DONE]" || next.value.type !== "text-delta"); next = await chunks.next());

    const first = await watchUntil((all) => all.find((stream) => stream.chatId === browser.id && stream.tokens > 0));
    expect(first).toMatchObject({ surface: "app", model: OPENAI_ID, stopping: false });
    expect(first.chunks).toBeGreaterThan(0);
    const later = await watchUntil((all) => all.find((stream) => stream.id === first.id && stream.tokens > first.tokens));
    expect(later.bytes).toBeGreaterThan(first.bytes);
    expect(later.chunks).toBeGreaterThan(first.chunks);
    expect(later.elapsedMs).toBeGreaterThan(first.elapsedMs);
    expect(later.tokensPerSecond).toBeGreaterThan(0);

    const stopped = await stop(first.id);
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ stopping: true });
    expect((await streams()).find((stream) => stream.id === first.id)?.stopping).toBe(true);
    // The answer ends as the visitor's Stop ends it: marked stopped in the stream, saved and recorded as stopped.
    const rest = [];
    for await (const chunk of chunks) rest.push(chunk);
    expect(rest).toContainEqual({ type: "message-metadata", messageMetadata: expect.objectContaining({ status: "stopped" }) });
    expect(await recordedStatus("app")).toBe("stopped");
    await watchUntil((all) => (all.some((stream) => stream.id === first.id) ? undefined : first));
    const { messages } = await storedChat(browser.id, response.headers.get("set-cookie")!.split(";")[0]);
    expect(messages.map((message) => message.metadata?.status)).toEqual(["complete", "stopped"]);
  });

  it("an API answer: no chat, the api surface; the owner's Stop ends its stream with an error event, recorded as stopped", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    process.env.API_KEYS = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(API_KEY))).toString("hex");
    try {
      fakes.openai.reply({ type: "text", deltas: slowWords(400), delayMs: 20 });
      expect(await streams()).toEqual([]);
      const response = await chatCompletions(
        new Request("http://localhost/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ model: OPENAI_ID, messages: [{ role: "user", content: "Write a lot" }], stream: true }),
        }),
      );
      expect(response.status).toBe(200);
      const body = response.text();

      const running = await watchUntil((all) => all.find((stream) => stream.surface === "api" && stream.tokens > 0));
      expect(running).toMatchObject({ chatId: null, model: OPENAI_ID });
      expect((await stop(running.id)).status).toBe(200);

      const events = await body;
      expect(events).toContain('"error":{"message":"The answer was stopped."');
      expect(events).not.toContain("[DONE]");
      expect(events).not.toContain("word399");
      expect(await recordedStatus("api")).toBe("stopped");
      await watchUntil((all) => (all.length === 0 ? running : undefined));
    } finally {
      delete process.env.API_KEYS;
    }
  });
});
