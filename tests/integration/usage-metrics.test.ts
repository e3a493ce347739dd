/**
 * Usage records (lib/metrics/): one per answer, written by the real routes (POST /api/chat, /v1/chat/completions)
 * against the fake upstreams over real HTTP, into the real local D1 and a fake Analytics Engine binding (the binding
 * has no local store); then the usage page's report over them, from D1 and from a fake SQL API.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { POST as chatCompletions } from "@/app/v1/chat/completions/route";
import { answerMetricsStore, type AnswerRecord } from "@/lib/db/answer-metrics";
import { getDb } from "@/lib/db/client";
import { answerMetrics, type AnswerMetricRow } from "@/lib/db/schema";
import { analyticsReport, toDataPoint } from "@/lib/metrics/analytics-engine";
import { answerRecord } from "@/lib/metrics/answers";
import { envSchema } from "@/lib/env";
import { cleanEnvPerTest, iterateChunks, stopChat } from "../support/chat-client";
import { OPENAI_MODEL, openAIEnv, spyOnConsoleError, startFakeUpstreamsPerFile, WORKERS_AI_MODEL, workersAIEnv } from "../support/presets";
import { BrowserChat, visitorIdOf } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();
const OPENAI_ID = `openai:${OPENAI_MODEL}`;
const WORKERS_AI_ID = `workers-ai:${WORKERS_AI_MODEL}`;

/** What the fake ANALYTICS binding was given. */
let points: AnalyticsEngineDataPoint[] = [];
let consoleError: MockInstance<typeof console.error>;
let consoleWarn: MockInstance<typeof console.warn>;

beforeAll(async () => {
  const { env } = await getCloudflareContext({ async: true });
  (env as { ANALYTICS?: AnalyticsEngineDataset }).ANALYTICS = { writeDataPoint: (point) => void points.push(point!) };
});
beforeEach(async () => {
  points = [];
  consoleError = spyOnConsoleError();
  consoleWarn = vi.spyOn(console, "warn").mockImplementation(() => {});
  await (await getDb()).$client.prepare("DELETE FROM answer_metrics").run();
});
afterEach(() => {
  consoleError.mockRestore();
  consoleWarn.mockRestore();
});

/** The records written so far, once `count` of them are there (they are written after the answer, in the background). */
async function records(count: number): Promise<AnswerMetricRow[]> {
  const db = await getDb();
  for (let attempt = 0; attempt < 100; attempt++) {
    const results = await db.select().from(answerMetrics).orderBy(answerMetrics.id);
    if (results.length >= count) return results;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`expected ${count} usage records`);
}

/** The hash the records keep instead of a visitor id. */
async function visitorHash(visitorId: string): Promise<string> {
  const record = await answerRecord({ ...base, visitorId }, process.env.SESSION_SECRET!, {});
  return record.visitor;
}

const base = {
  surface: "app",
  visitorId: "v",
  startedAt: 0,
  status: "complete",
  model: "demo:offline",
  inputTokens: 0,
  outputTokens: 0,
  toolCalls: 0,
  retries: 0,
  cacheHit: false,
} as const;

describe("a usage record per answer", () => {
  it("a complete answer: model, surface, tokens, TTFT, speed and cost, in D1 and in Analytics Engine", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    fakes.openai.reply({ type: "text", deltas: ["Hello ", "from ", "the ", "model."], usage: { input: 1_000, output: 400 }, delayMs: 30 });
    const browser = new BrowserChat();
    const before = Date.now();

    const result = await browser.send("Hello");

    expect(result.text).toBe("Hello from the model.");
    const [record] = await records(1);
    expect(record).toMatchObject({
      surface: "app",
      visitor: await visitorHash(visitorIdOf(browser.cookie!)),
      model: OPENAI_ID,
      provider: "openai",
      fallbackFrom: null,
      status: "complete",
      inputTokens: 1_000,
      outputTokens: 400,
      toolCalls: 0,
      retries: 0,
      cacheHit: false,
      // gpt-4.1-nano: $0.10 in, $0.40 out per million tokens.
      costUsd: expect.closeTo((1_000 * 0.1 + 400 * 0.4) / 1e6, 12),
    });
    expect(record.at).toBeGreaterThanOrEqual(before);
    expect(record.ttftMs).toBeGreaterThan(0);
    expect(record.durationMs).toBeGreaterThanOrEqual(record.ttftMs!);
    // 400 tokens over the ~90 ms between the first delta and the last.
    expect(record.tokensPerSecond).toBeGreaterThan(400);
    // The answer's footer shows the same numbers.
    expect(result.metadata).toMatchObject({ ttftMs: expect.any(Number), tokensPerSecond: record.tokensPerSecond });

    expect(points).toHaveLength(1);
    expect(points[0]).toEqual(toDataPoint(record));
    expect(points[0].indexes).toEqual([OPENAI_ID]);
    expect(points[0].blobs).toEqual(["app", OPENAI_ID, "openai", "complete", "", record.visitor]);
  });

  it("a tool call is counted; the demo model costs nothing", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const browser = new BrowserChat();

    const result = await browser.send("Calculate 12 * 34");

    expect(result.toolOutputs.length).toBeGreaterThan(0);
    const [record] = await records(1);
    expect(record).toMatchObject({ model: "demo:offline", status: "complete", toolCalls: result.toolOutputs.length, costUsd: 0 });
  });

  it("a stopped answer is recorded as stopped, with what it had cost so far", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    fakes.openai.reply({ type: "text", deltas: Array.from({ length: 200 }, (_, i) => `word${i} `), delayMs: 20 });
    const browser = new BrowserChat();
    const response = await browser.post([{ id: "q1", role: "user", parts: [{ type: "text", text: "Write a lot" }] }]);
    // Stopped once the first words are on screen.
    const chunks = iterateChunks(response);
    for await (const chunk of chunks) if (chunk !== "[DONE]" && chunk.type === "text-delta") break;
    const cookie = response.headers.get("set-cookie")!.split(";")[0];

    expect((await stopChat(browser.id, cookie)).status).toBe(200);
    for await (const chunk of chunks) void chunk;

    const [record] = await records(1);
    expect(record).toMatchObject({ status: "stopped", model: OPENAI_ID });
    expect(record.outputTokens).toBeGreaterThan(0);
    expect(record.ttftMs).not.toBeNull();
  });

  it("an answer whose model failed is recorded as an error, with no TTFT", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    fakes.openai.replyAlways({ type: "error", status: 401 });
    const browser = new BrowserChat();

    const result = await browser.send("Hello");

    expect(result.errors).toHaveLength(1);
    const [record] = await records(1);
    expect(record).toMatchObject({ status: "error", model: OPENAI_ID, ttftMs: null, tokensPerSecond: null });
  });

  it("a fallback: the model that answered, the one asked first, and the retry", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), ...workersAIEnv(fakes.workersAI), MODEL_FALLBACKS: `${OPENAI_ID}>${WORKERS_AI_ID}` });
    fakes.openai.replyAlways({ type: "error", status: 500 });
    fakes.workersAI.reply({ type: "text", deltas: ["Answered ", "by the fallback."] });

    const result = await new BrowserChat().send("Hello");

    expect(result.text).toBe("Answered by the fallback.");
    const [record] = await records(1);
    expect(record).toMatchObject({ status: "complete", model: WORKERS_AI_ID, provider: "workers-ai", fallbackFrom: OPENAI_ID, retries: 1 });
  });

  it("the OpenAI-compatible API's answers are recorded as the api surface", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat") });
    const key = "ec_usage-test-key";
    process.env.API_KEYS = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))).toString("hex");
    process.env.API_KEY_DAILY_TOKEN_BUDGET = "0";
    try {
      fakes.openai.reply({ type: "text", deltas: ["Via ", "the API."], usage: { input: 50, output: 5 } });
      const response = await chatCompletions(
        new Request("http://localhost/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: OPENAI_ID, messages: [{ role: "user", content: "Hello" }], stream: true }),
        }),
      );
      expect(await response.text()).toContain("the API.");

      const [record] = await records(1);
      expect(record).toMatchObject({ surface: "api", status: "complete", model: OPENAI_ID, inputTokens: 50, outputTokens: 5 });
      expect(record.ttftMs).not.toBeNull();
    } finally {
      delete process.env.API_KEYS;
      delete process.env.API_KEY_DAILY_TOKEN_BUDGET;
    }
  });

  it("a failing Analytics Engine binding or database never reaches the answer", async () => {
    const { env } = await getCloudflareContext({ async: true });
    const analytics = (env as { ANALYTICS?: AnalyticsEngineDataset }).ANALYTICS;
    (env as { ANALYTICS?: AnalyticsEngineDataset }).ANALYTICS = {
      writeDataPoint: () => {
        throw new Error("analytics down");
      },
    };
    try {
      setEnv({ DEMO_DELAY_MS: "0" });
      const result = await new BrowserChat().send("Hello there");
      expect(result.errors).toEqual([]);
      expect(result.text.length).toBeGreaterThan(0);
      await vi.waitFor(() => expect(consoleError).toHaveBeenCalledWith("recording the answer's usage failed:", expect.any(Error)));
    } finally {
      (env as { ANALYTICS?: AnalyticsEngineDataset }).ANALYTICS = analytics;
    }
  });
});

describe("MODEL_PRICES", () => {
  it("overrides and adds prices; a model without one gets no cost", async () => {
    const prices = envSchema.parse({ MODEL_PRICES: '{"openai:my-model": {"input": 1, "output": 2}}' }).MODEL_PRICES;
    const priced = await answerRecord({ ...base, model: "openai:my-model", inputTokens: 1e6, outputTokens: 1e6 }, "s", prices);
    expect(priced.costUsd).toBe(3);
    const unpriced = await answerRecord({ ...base, model: "openai:unknown", inputTokens: 10, outputTokens: 10 }, "s", prices);
    expect(unpriced.costUsd).toBeNull();
    expect(() => envSchema.parse({ MODEL_PRICES: "{not json" })).toThrow(/MODEL_PRICES is not JSON/);
    expect(() => envSchema.parse({ MODEL_PRICES: '{"openai:x": {"input": -1, "output": 1}}' })).toThrow();
  });
});

const HOUR = 3_600_000;
/** 2026-11-30 12:30 UTC. */
const NOW = Date.UTC(2026, 10, 30, 12, 30);

function seeded(overrides: Partial<AnswerRecord>): AnswerRecord {
  return {
    at: NOW - HOUR,
    surface: "app",
    visitor: "v1",
    model: OPENAI_ID,
    provider: "openai",
    status: "complete",
    ttftMs: 100,
    durationMs: 1_000,
    tokensPerSecond: 50,
    inputTokens: 100,
    outputTokens: 10,
    toolCalls: 0,
    retries: 0,
    cacheHit: false,
    costUsd: 0.001,
    ...overrides,
  };
}

describe("the usage report from D1", () => {
  it("sums tokens and cost per model and bucket, counts statuses, and takes TTFT percentiles", async () => {
    const store = answerMetricsStore(await getDb());
    // Ten answers an hour ago (TTFT 100…1000 ms), two two hours ago, one 25 hours ago (outside 24 h).
    for (let i = 1; i <= 10; i++) await store.add(seeded({ ttftMs: i * 100, cacheHit: i === 1 }));
    await store.add(seeded({ at: NOW - 2 * HOUR, model: "demo:offline", provider: "demo", costUsd: 0, status: "stopped", surface: "embed" }));
    await store.add(seeded({ at: NOW - 2 * HOUR, status: "error", ttftMs: null, tokensPerSecond: null, costUsd: null }));
    await store.add(seeded({ at: NOW - 25 * HOUR }));

    const report = await store.report("24h", NOW);

    const hourAgo = Math.floor((NOW - HOUR) / HOUR) * HOUR;
    const twoHoursAgo = hourAgo - HOUR;
    expect(report.source).toBe("d1");
    expect(report.bucketMs).toBe(HOUR);
    expect(report.models).toEqual([
      { bucket: twoHoursAgo, model: "demo:offline", answers: 1, inputTokens: 100, outputTokens: 10, costUsd: 0, unpriced: 0 },
      { bucket: twoHoursAgo, model: OPENAI_ID, answers: 1, inputTokens: 100, outputTokens: 10, costUsd: 0, unpriced: 1 },
      { bucket: hourAgo, model: OPENAI_ID, answers: 10, inputTokens: 1_000, outputTokens: 100, costUsd: expect.closeTo(0.01, 12), unpriced: 0 },
    ]);
    expect(report.statuses).toEqual(
      expect.arrayContaining([
        { bucket: twoHoursAgo, status: "stopped", answers: 1 },
        { bucket: twoHoursAgo, status: "error", answers: 1 },
        { bucket: hourAgo, status: "complete", answers: 10 },
      ]),
    );
    expect(report.speed.find((row) => row.bucket === hourAgo)).toEqual({
      bucket: hourAgo,
      answers: 10,
      ttftP50: 500,
      ttftP95: 1_000,
      tokensPerSecond: 50,
      cacheHits: 1,
    });
    expect(report.surfaces).toEqual([
      { surface: "app", answers: 11, tokens: 1_210 },
      { surface: "embed", answers: 1, tokens: 110 },
    ]);
    expect(report.ttft).toEqual({ p50: 500, p95: 1_000 });
  });
});

describe("the usage report from Analytics Engine's SQL API", () => {
  let server: Server;
  let url: string;
  const queries: { sql: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        queries.push({ sql: body, authorization: request.headers.authorization });
        const hour = String(NOW - HOUR - ((NOW - HOUR) % HOUR));
        // As the SQL API answers FORMAT JSON: 64-bit numbers as strings.
        let data: Record<string, unknown>[] = [];
        if (body.includes("AS model")) data = [{ bucket: hour, model: OPENAI_ID, answers: "20", inputTokens: "2000", outputTokens: "200", costUsd: 0.02, unpriced: "0" }];
        else if (body.includes("AS status")) data = [{ bucket: hour, status: "complete", answers: "20" }];
        else if (body.includes("tpsSum")) data = [{ bucket: hour, answers: "20", tpsSum: 1_000, tpsAnswers: "20", cacheHits: "4" }];
        else if (body.includes("AS surface")) data = [{ surface: "api", answers: "20", tokens: "2200" }];
        else if (body.includes("AS bucket")) data = [{ bucket: hour, p50: 120, p95: 900 }];
        else data = [{ p50: 120, p95: 900, answers: "20" }];
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ meta: [], data, rows: data.length }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("weights every count, sum and percentile by the sample interval, and maps the rows", async () => {
    const env = envSchema.parse({ ANALYTICS_API_TOKEN: "cf-analytics-token", CLOUDFLARE_ACCOUNT_ID: "acc", ANALYTICS_SQL_URL: url });

    const report = await analyticsReport(env, "24h", NOW);

    expect(report.source).toBe("analytics-engine");
    const hour = NOW - HOUR - ((NOW - HOUR) % HOUR);
    expect(report.models).toEqual([{ bucket: hour, model: OPENAI_ID, answers: 20, inputTokens: 2_000, outputTokens: 200, costUsd: 0.02, unpriced: 0 }]);
    expect(report.speed).toEqual([{ bucket: hour, answers: 20, ttftP50: 120, ttftP95: 900, tokensPerSecond: 50, cacheHits: 4 }]);
    expect(report.surfaces).toEqual([{ surface: "api", answers: 20, tokens: 2_200 }]);
    expect(report.ttft).toEqual({ p50: 120, p95: 900 });

    expect(queries).toHaveLength(6);
    for (const { sql, authorization } of queries) {
      expect(authorization).toBe("Bearer cf-analytics-token");
      expect(sql).toContain("FROM edge_chat_answers");
      expect(sql).toContain("FORMAT JSON");
      // Never an unweighted count: each stored row stands for _sample_interval answers.
      expect(sql).not.toMatch(/count\(/i);
      expect(sql).toContain("_sample_interval");
    }
    expect(queries.some(({ sql }) => sql.includes("quantileExactWeighted(0.95)(double1, _sample_interval)"))).toBe(true);
  });
});
