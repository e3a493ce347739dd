/**
 * Stop while a slow upstream is streaming: POST /api/chat/[id]/stop must close the upstream connection promptly, so
 * the provider stops generating (and billing) an answer nobody wants, and every reader's stream ends with an abort
 * part. Closing the page (aborting POST /api/chat) is not a stop: the answer goes on for the other readers and is saved.
 */
import { describe, expect, it } from "vitest";
import { GET as resume } from "@/app/api/chat/[id]/stream/route";
import { chatBody, iterateChunks, postChat, cleanEnvPerTest, stopChat, type EnvKey } from "../support/chat-client";
import { cookieOf } from "../support/ui-client";
import type { RecordedRequest } from "../support/http-fake";
import { openAIEnv, workersAIEnv, startFakeUpstreamsPerFile } from "../support/presets";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();


// 200 words, one every 100 ms: 20 s if nobody stops it.
const WORDS = Array.from({ length: 200 }, (_, i) => `word${i} `);
const SLOW = { type: "text" as const, deltas: WORDS, delayMs: 100 };

type Case = { name: string; setup: () => Partial<Record<EnvKey, string>>; requests: () => RecordedRequest[] };

const cases: Case[] = [
  ...(["chat", "responses"] as const).map(
    (api): Case => ({
      name: `OpenAI ${api}`,
      setup: () => {
        fakes.openai.reply(SLOW);
        return openAIEnv(fakes.openai, api);
      },
      requests: () => fakes.openai.requests,
    }),
  ),
  {
    name: "Workers AI",
    setup: () => {
      fakes.workersAI.reply(SLOW);
      return workersAIEnv(fakes.workersAI);
    },
    requests: () => fakes.workersAI.requests,
  },
];

describe.each(cases)("stop: $name", ({ setup, requests }) => {
  it("closing the page leaves the upstream open; Stop closes it within 1 s and ends the stream with an abort, no error", async () => {
    setEnv(setup());
    const body = chatBody({ text: "Tell me a long story" });
    const page = new AbortController();
    const response = await postChat(body, { signal: page.signal });
    expect(response.status).toBe(200);
    const cookie = cookieOf(response);

    // The page goes away after the first words: the answer goes on.
    for await (const chunk of iterateChunks(response)) {
      if (chunk !== "[DONE]" && chunk.type === "text-delta") break; // leaving the loop cancels the body
    }
    page.abort();
    const [request] = requests();
    const stillOpen = await Promise.race([request.closed.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 500))]);
    expect(stillOpen, "the upstream closed when the page went away").toBe(true);

    // Another tab reads along (resume) and presses Stop.
    const reader = await resume(new Request(`http://localhost/api/chat/${body.id}/stream`, { headers: { cookie } }), {
      params: Promise.resolve({ id: body.id }),
    });
    expect(reader.status).toBe(200);
    const openedAt = performance.now();
    const types: string[] = [];
    let text = "";
    let stoppedAt = 0;
    let deltasAtStop = 0;
    // If the stream never ends, stop reading after 5 s and fail with what did arrive, instead of timing out.
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      void reader.body?.cancel();
    }, 5000);
    try {
      for await (const chunk of iterateChunks(reader)) {
        if (chunk === "[DONE]") continue;
        types.push(chunk.type);
        if (chunk.type === "text-delta") {
          text += chunk.delta;
          // Stop on a word that arrived live (the stream so far comes at once, when the reader opens).
          if (stoppedAt === 0 && performance.now() - openedAt > 150) {
            deltasAtStop = types.filter((type) => type === "text-delta").length;
            stoppedAt = performance.now();
            expect(await (await stopChat(body.id, cookie)).json()).toEqual({ stopped: true });
          }
        }
      }
    } catch (error) {
      if (!stalled) throw error;
    }
    clearTimeout(watchdog);
    const streamEndedAfter = performance.now() - stoppedAt;

    expect(stalled, `the stream did not end within 5 s; received: ${types.join(", ")}`).toBe(false);
    expect(stoppedAt).toBeGreaterThan(0);
    const closed = await request.closed;
    // The upstream saw its connection close before it had finished the answer, well within a second.
    expect(closed.beforeEnd).toBe(true);
    expect(closed.at - stoppedAt).toBeLessThan(1000);
    expect(streamEndedAfter).toBeLessThan(1000);

    // The reader got the answer from its start, an abort part, and no error.
    expect(WORDS.join("").startsWith(text)).toBe(true);
    expect(text.length).toBeLessThan(WORDS.join("").length / 4);
    expect(types.filter((type) => type === "text-delta").length).toBeLessThanOrEqual(deltasAtStop + 1);
    expect(types).toContain("abort");
    expect(types).not.toContain("error");
    expect(types).not.toContain("finish");
    expect(requests()).toHaveLength(1);
  });
});
