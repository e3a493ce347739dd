/**
 * The client stops (aborts its request) while a slow upstream is streaming: the route must close the upstream
 * connection promptly, so the provider stops generating (and billing) an answer nobody reads.
 */
import { describe, expect, it } from "vitest";
import { chatBody, iterateChunks, postChat, cleanEnvPerTest, type EnvKey } from "../support/chat-client";
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

describe.each(cases)("client abort: $name", ({ setup, requests }) => {
  it("closes the upstream connection within 1 s and ends the client stream without an error", async () => {
    setEnv(setup());
    const controller = new AbortController();
    const response = await postChat(chatBody({ text: "Tell me a long story" }), { signal: controller.signal });
    expect(response.status).toBe(200);

    const types: string[] = [];
    let text = "";
    let abortedAt = 0;
    let deltasAtAbort = 0;
    // If the answer never starts streaming, stop after 5 s and fail with what did arrive, instead of timing out.
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, 5000);
    for await (const chunk of iterateChunks(response)) {
      if (chunk === "[DONE]") continue;
      types.push(chunk.type);
      if (chunk.type === "text-delta") {
        text += chunk.delta;
        if (abortedAt === 0 && text.split(" ").length > 3) {
          deltasAtAbort = types.filter((type) => type === "text-delta").length;
          abortedAt = performance.now();
          controller.abort();
        }
      }
    }
    clearTimeout(watchdog);
    const streamEndedAfter = performance.now() - abortedAt;

    expect(stalled, `no text within 5 s; received: ${types.join(", ")}`).toBe(false);
    expect(abortedAt).toBeGreaterThan(0);
    const [request] = requests();
    const closed = await request.closed;
    // The upstream saw its connection close before it had finished the answer, well within a second.
    expect(closed.beforeEnd).toBe(true);
    expect(closed.at - abortedAt).toBeLessThan(1000);
    expect(streamEndedAfter).toBeLessThan(1000);

    // The client got what arrived before the abort, an abort part, and no error.
    expect(WORDS.join("").startsWith(text)).toBe(true);
    expect(text.length).toBeLessThan(WORDS.join("").length / 4);
    expect(types.filter((type) => type === "text-delta").length).toBeLessThanOrEqual(deltasAtAbort + 1);
    expect(types).toContain("abort");
    expect(types).not.toContain("error");
    expect(types).not.toContain("finish");
    expect(requests()).toHaveLength(1);
  });
});
