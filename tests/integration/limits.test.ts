/**
 * Abuse limits on POST /api/chat (lib/chat/limits.ts) through the real route, the real local rate limiter bindings
 * (wrangler.toml `[[ratelimits]]`, emulated by workerd) and the real D1: per visitor, per embedded visitor, per IP,
 * and the daily token budget. A refused turn is a 429 JSON error with Retry-After, and stores nothing.
 */
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { beforeEach, describe, expect, it } from "vitest";
import { embedToken, EMBED_TOKEN_HEADER } from "@/lib/chat/identity";
import { tokensSpent } from "@/lib/chat/limits";
import type { ChatMessage } from "@/lib/chat/types";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { usageFor } from "@/lib/db/usage";
import { chat, chatBody, cleanEnvPerTest, postChat, userMessage } from "../support/chat-client";
import { openAIEnv, startFakeUpstreamsPerFile } from "../support/presets";
import { cookieOf, visitorIdOf } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();

type ErrorBody = { error: { code: string; message: string; retryAfter: number } };

/** Asserts a 429 with the code and a Retry-After (seconds, at most `maxSeconds`) matching the body's. */
async function expectRefused(response: Response, code: string, maxSeconds: number) {
  expect(response.status).toBe(429);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(body.error.retryAfter).toBe(retryAfter);
  return body;
}

type LimiterName = "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER";

/** The emulated windows are whole wall-clock minutes: a test that counts requests starts early in one. */
async function earlyInWindow() {
  const secondsIntoMinute = new Date().getUTCSeconds();
  if (secondsIntoMinute > 45) await new Promise((resolve) => setTimeout(resolve, (61 - secondsIntoMinute) * 1000));
}

/** Spends `count` requests of `key` on the binding the route uses (counted exactly like turns, and much faster). */
async function spend(name: LimiterName, key: string, count: number) {
  const limiter = (await getCloudflareContext({ async: true })).env[name];
  for (let i = 0; i < count; i++) expect((await limiter.limit({ key })).success).toBe(true);
}

/** Sends turns one after the other; returns their statuses. */
async function turns(count: number, headers: Record<string, string>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = await chat(chatBody({ text: `Turn ${i}` }), { headers });
    statuses.push(result.response.status);
  }
  return statuses;
}

describe("rate limits", () => {
  beforeEach(earlyInWindow, 30_000);

  it("a visitor gets 20 turns a minute; the 21st is refused with Retry-After and nothing is stored", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await chat(chatBody({ text: "Turn 1" }));
    expect(first.response.status).toBe(200);
    const headers = { cookie: cookieOf(first.response) };
    const visitorId = visitorIdOf(headers.cookie);
    await spend("VISITOR_LIMITER", visitorId, 18);
    expect(await turns(1, headers)).toEqual([200]);

    const id = `chat-${crypto.randomUUID()}`;
    await expectRefused(await postChat(chatBody({ id, text: "One too many" }), { headers }), "rate_limit:visitor", 60);
    expect(await chatsFor(await getDb(), visitorId).get(id)).toBeUndefined();
    // Another visitor is not affected.
    expect((await chat(chatBody({ text: "Someone else" }))).response.status).toBe(200);
  });

  it("an embedded visitor has its own, lower tier: 10 turns a minute", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const visitorId = crypto.randomUUID();
    const headers = { [EMBED_TOKEN_HEADER]: await embedToken(visitorId, process.env.SESSION_SECRET!) };
    await spend("EMBED_VISITOR_LIMITER", visitorId, 9);
    expect(await turns(2, headers)).toEqual([200, 429]);
    await expectRefused(await postChat(chatBody({ text: "Still too many" }), { headers }), "rate_limit:visitor", 60);
  });

  it("one IP gets 100 turns a minute, whatever visitor it claims to be", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    await spend("IP_LIMITER", ip, 99);
    expect((await chat(chatBody({ text: "The 100th" }), { headers: { "cf-connecting-ip": ip } })).response.status).toBe(200);
    // A fresh visitor (no cookie) from the same address is still refused.
    await expectRefused(await postChat(chatBody({ text: "New visitor, same IP" }), { headers: { "cf-connecting-ip": ip } }), "rate_limit:ip", 60);
    // Another address is fine.
    expect((await chat(chatBody({ text: "Elsewhere" }), { headers: { "cf-connecting-ip": "198.51.100.7" } })).response.status).toBe(200);
  });
});

describe("daily token budget", () => {
  it("counts each answer's tokens in D1 and refuses the turn after the budget is spent, until midnight UTC", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: "60" });
    fakes.openai.replyAlways({ type: "text", deltas: ["Fine."], usage: { input: 21, output: 9 } });
    const upstreamCalls = fakes.openai.requests.length;
    const first = await chat(chatBody({ text: "One" }));
    expect(first.response.status).toBe(200);
    const cookie = cookieOf(first.response);
    const usage = usageFor(await getDb(), visitorIdOf(cookie));
    expect(await usage.spentOn(new Date())).toBe(30);
    expect((await chat(chatBody({ text: "Two" }), { headers: { cookie } })).response.status).toBe(200);
    expect(await usage.spentOn(new Date())).toBe(60);

    const body = await expectRefused(await postChat(chatBody({ text: "Three" }), { headers: { cookie } }), "rate_limit:budget", 86_400);
    expect(body.error.message).toContain("midnight UTC");
    expect(fakes.openai.requests.length - upstreamCalls).toBe(2);
    // A deleted chat does not give its tokens back; another visitor has a budget of its own.
    expect(await usage.spentOn(new Date())).toBe(60);
    expect((await chat(chatBody({ text: "Other visitor" }))).response.status).toBe(200);
  });

  it("an embedded visitor spends against EMBED_DAILY_TOKEN_BUDGET; 0 turns a budget off", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), EMBED_DAILY_TOKEN_BUDGET: "30", DAILY_TOKEN_BUDGET: "0" });
    fakes.openai.replyAlways({ type: "text", deltas: ["Fine."], usage: { input: 21, output: 9 } });
    const headers = { [EMBED_TOKEN_HEADER]: await embedToken(crypto.randomUUID(), process.env.SESSION_SECRET!) };
    expect((await chat(chatBody({ text: "One" }), { headers })).response.status).toBe(200);
    await expectRefused(await postChat(chatBody({ text: "Two" }), { headers }), "rate_limit:budget", 86_400);

    const first = await chat(chatBody({ text: "Web one" }));
    const cookie = cookieOf(first.response);
    expect(await turns(3, { cookie })).toEqual([200, 200, 200]);
  });

  it("a stopped answer without the provider's count is estimated from the text, so stopping early is not free", () => {
    const question: ChatMessage = userMessage("x".repeat(400), "q") as ChatMessage;
    const answer: ChatMessage = { id: "a", role: "assistant", parts: [{ type: "text", text: "y".repeat(400) }] };
    expect(tokensSpent(undefined, [question], answer)).toBeGreaterThanOrEqual(200);
    expect(tokensSpent({ inputTokens: 5, outputTokens: 7, totalTokens: 12 } as never, [question], answer)).toBe(12);
  });
});
