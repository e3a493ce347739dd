import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/bench/raw/route";
import { cleanEnvPerTest } from "../support/chat-client";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";
import { expectJsonError, openAIEnv, OPENAI_MODEL, OPENAI_TEST_KEY } from "../support/presets";

const setEnv = cleanEnvPerTest();
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
afterEach(() => {
  vi.unstubAllEnvs();
  fake.requests.length = 0;
});

/** As workerd hands it a local client's request (Cloudflare sets cf-connecting-ip to the real client's address). */
const LOCAL_CLIENT = { "cf-connecting-ip": "127.0.0.1" };
const raw = (query: string, headers: Record<string, string> = LOCAL_CLIENT) =>
  GET(new Request(`http://localhost/api/bench/raw${query}`, { headers }));

describe("GET /api/bench/raw (npm run bench's raw pipe)", () => {
  it("is a 404 JSON error unless BENCH_RAW_PIPE is set, and then calls no upstream", async () => {
    setEnv(openAIEnv(fake, "chat"));
    await expectJsonError(await raw("?prompt=hi"), 404, "not_found:bench");
    vi.stubEnv("BENCH_RAW_PIPE", "0");
    await expectJsonError(await raw("?prompt=hi"), 404, "not_found:bench");
    expect(fake.requests).toHaveLength(0);
  });

  it("never pipes for a client that is not this machine, as on Cloudflare: a deployed worker refuses whatever its vars say", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "1");
    await expectJsonError(await raw("?prompt=hi", { "cf-connecting-ip": "203.0.113.9" }), 404, "not_found:bench");
    await expectJsonError(await raw("?prompt=hi", {}), 404, "not_found:bench");
    expect(fake.requests).toHaveLength(0);
  });

  it("pipes the configured upstream's Chat Completions SSE through unchanged", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "1");
    fake.reply({ type: "text", deltas: ["Hello", " world"] });
    const response = await raw("?prompt=Say%20hi");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const body = await response.text();

    // The configured upstream, model and key; from the client only the prompt.
    const [request] = fake.requests;
    expect([request.method, request.path, request.headers.authorization]).toEqual(["POST", "/v1/chat/completions", `Bearer ${OPENAI_TEST_KEY}`]);
    expect(request.body).toEqual({
      model: OPENAI_MODEL,
      messages: [{ role: "user", content: "Say hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    // Byte for byte what the upstream sent: read it again straight from the fake.
    fake.reply({ type: "text", deltas: ["Hello", " world"] });
    const direct = await fetch(`${fake.baseURL}/chat/completions`, { method: "POST", body: request.rawBody });
    expect(body).toBe(await direct.text());
    expect(body).toContain('"content":"Hello"');
  });

  it("read=1: reads the whole upstream body in the route and answers what it read, not the stream", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "1");
    fake.reply({ type: "text", deltas: ["Hello", " world"] });
    const response = await raw("?prompt=hi&read=1");
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { reads: number; bytes: number };
    fake.reply({ type: "text", deltas: ["Hello", " world"] });
    const direct = await fetch(`${fake.baseURL}/chat/completions`, { method: "POST", body: fake.requests[0].rawBody });
    expect(summary.bytes).toBe(new TextEncoder().encode(await direct.text()).byteLength);
    expect(summary.reads).toBeGreaterThan(0);
  });

  it("never lets the client pick the upstream: no URL parameter is honoured", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "1");
    fake.reply({ type: "text", deltas: ["ok"] });
    const response = await raw("?prompt=hi&url=http://169.254.169.254/&baseURL=http://example.com/v1");
    expect(response.status).toBe(200);
    await response.text();
    expect(fake.requests).toHaveLength(1);
  });

  it("a client abort closes the upstream request", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "1");
    fake.reply({ type: "text", deltas: Array.from({ length: 100 }, (_, i) => `w${i} `), delayMs: 50 });
    const controller = new AbortController();
    const response = await GET(new Request("http://localhost/api/bench/raw?prompt=slow", { signal: controller.signal, headers: LOCAL_CLIENT }));
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    expect((await fake.requests[0].closed).beforeEnd).toBe(true);
  });

  it("refuses a missing or oversized prompt without calling the upstream", async () => {
    setEnv(openAIEnv(fake, "chat"));
    vi.stubEnv("BENCH_RAW_PIPE", "true");
    await expectJsonError(await raw(""), 400, "bad_request:bench");
    await expectJsonError(await raw(`?prompt=${"x".repeat(1_001)}`), 400, "bad_request:bench");
    expect(fake.requests).toHaveLength(0);
  });
});
