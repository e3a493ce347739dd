/**
 * Abuse limits on POST /api/chat (lib/chat/limits.ts) through the real route, the real local rate limiter bindings
 * (wrangler.toml `[[ratelimits]]`, emulated by workerd) and the real D1: per visitor, per embedded visitor, per IP,
 * and the daily token budget. A refused turn is a 429 JSON error with Retry-After, and stores nothing.
 */
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { DELETE as deleteChatRoute } from "@/app/api/chats/[id]/route";
import { embedToken } from "@/lib/chat/identity";
import { reserveTurnBudget, tokensSpent, turnCost } from "@/lib/chat/limits";
import { STREAM_SETTINGS } from "@/lib/chat/stream";
import { TITLE_MAX_TOKENS } from "@/lib/chat/title";
import type { ChatMessage } from "@/lib/chat/types";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { tokenLedger } from "@/lib/db/usage";
import { EMBED_TOKEN_HEADER } from "@/lib/embed/origins";
import { chat, chatBody, cleanEnvPerTest, postChat, userMessage } from "../support/chat-client";
import { openAIEnv, startFakeUpstreamsPerFile } from "../support/presets";
import { cookieOf, storedMessages, visitorIdOf } from "../support/ui-client";

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

type LimiterName = "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER" | "NEW_VISITOR_LIMITER";

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
    const headers = { [EMBED_TOKEN_HEADER]: await embedToken(visitorId, 0, process.env.SESSION_SECRET!) };
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

/** What a one-message turn costs at most: 5 steps, each with the whole input and 4,096 tokens out (plus a title). */
function cost(text: string, titleTokens = 0) {
  return turnCost({
    messages: [userMessage(text) as ChatMessage],
    steps: STREAM_SETTINGS.maxSteps,
    maxOutputTokens: STREAM_SETTINGS.maxOutputTokens,
    titleTokens,
  });
}
const reservation = (text: string, titleTokens = 0) => cost(text, titleTokens).steps * cost(text).perStep + titleTokens;
/** What one step of such a turn costs at most: the least a turn must be able to reserve to start. */
const oneStep = (text: string) => cost(text).perStep;

// Wide enough that two tests of this file never draw the same address (the limiters count per address).
const randomIp = () => `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 254) + 1}`;

describe("new identities", () => {
  beforeEach(earlyInWindow, 30_000);

  it("one IP gets 10 new visitors a minute: a cookie-less turn after that is refused, and nothing is stored", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const ip = randomIp();
    await spend("NEW_VISITOR_LIMITER", ip, 10);
    const id = `chat-${crypto.randomUUID()}`;
    const refused = await postChat(chatBody({ id, text: "Yet another new me" }), { headers: { "cf-connecting-ip": ip } });
    await expectRefused(refused, "rate_limit:new_visitor", 60);
    expect(refused.headers.get("set-cookie")).toBeNull();
    // A returning visitor from the same address is not a new identity.
    const known = await chat(chatBody({ text: "Hi" }), { headers: { "cf-connecting-ip": randomIp() } });
    const cookie = cookieOf(known.response);
    expect((await chat(chatBody({ text: "Again" }), { headers: { cookie, "cf-connecting-ip": ip } })).response.status).toBe(200);
  });
});

describe("daily token budget", () => {
  const spent = async (key: string) => tokenLedger(await getDb()).spentOn(key, new Date());

  it("reserves alongside the model call, settles with the real cost, and refuses a turn when not even one step fits, until midnight UTC", async () => {
    // Room for one step and 45 tokens more: each turn really costs 30.
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: String(oneStep("One") + 45) });
    fakes.openai.replyAlways({ type: "text", deltas: ["Fine."], usage: { input: 21, output: 9 } });
    const first = await chat(chatBody({ text: "One" }));
    expect(first.response.status).toBe(200);
    expect(first.text).toBe("Fine.");
    const cookie = cookieOf(first.response);
    const visitorId = visitorIdOf(cookie);
    expect(await spent(visitorId)).toBe(30);
    expect((await chat(chatBody({ text: "Two" }), { headers: { cookie } })).response.status).toBe(200);
    expect(await spent(visitorId)).toBe(60);

    const id = `chat-${crypto.randomUUID()}`;
    const upstreamCalls = fakes.openai.requests.length;
    const body = await expectRefused(await postChat(chatBody({ id, text: "Thr" }), { headers: { cookie } }), "rate_limit:budget", 86_400);
    expect(body.error.message).toBe("What is left of today's allowance for this chat is not enough for this conversation. Start a new chat, or wait until midnight UTC.");
    // The model call started alongside the reservation is cut off, and never made again.
    expect(fakes.openai.requests.length - upstreamCalls).toBeLessThanOrEqual(1);
    for (const request of fakes.openai.requests.slice(upstreamCalls)) await request.closed;
    // Nothing stored, nothing kept reserved.
    expect(await chatsFor(await getDb(), visitorId).get(id)).toBeUndefined();
    expect(await storedMessages(id, visitorId)).toEqual([]);
    expect(await spent(visitorId)).toBe(60);
    // Another visitor has a budget of its own.
    expect((await chat(chatBody({ text: "Other visitor" }))).response.status).toBe(200);
  });

  it("ten turns at once against a budget that fits one: one answers, nine are refused, the budget is never overspent", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: String(reservation("Go 0") + 10) });
    fakes.openai.replyAlways({ type: "text", deltas: ["Slow ", "answer."], delayMs: 300, usage: { input: 21, output: 9 } });
    const first = await chat(chatBody({ text: "Hi" }), { headers: { "cf-connecting-ip": randomIp() } });
    const cookie = cookieOf(first.response);
    const visitorId = visitorIdOf(cookie);
    const before = await spent(visitorId);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => chat(chatBody({ text: `Go ${i}` }), { headers: { cookie } })),
    );
    const statuses = results.map((result) => result.response.status).sort();
    // The first turn left 30 spent, so none of the ten fits… unless the budget were checked and charged apart.
    expect(before).toBe(30);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(await spent(visitorId)).toBeLessThanOrEqual(reservation("Go 0") + 10);
  });

  it("visitors without a cookie share their address's budget: a burst of new identities from one IP runs dry", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: "0", DAILY_IP_TOKEN_BUDGET: String(oneStep("Hello x") + 45) });
    fakes.openai.replyAlways({ type: "text", deltas: ["Fine."], usage: { input: 21, output: 9 } });
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postChat(chatBody({ text: `Hello ${i}` }), { headers: { "cf-connecting-ip": ip } });
      statuses.push(response.status);
      if (response.status === 429) expect(((await response.json()) as ErrorBody).error.code).toBe("rate_limit:ip_budget");
      else await response.text();
    }
    // Each a new visitor with a budget of its own (off here), all from one address: 30 tokens each really.
    expect(statuses).toEqual([200, 200, 429]);
    // Another address is not affected.
    expect((await postChat(chatBody({ text: "Hello y" }), { headers: { "cf-connecting-ip": randomIp() } })).status).toBe(200);
  });

  it("counts the title call", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: String(reservation("Q", TITLE_MAX_TOKENS) + 100) });
    // Titles by the model for this test only (the suite's setup makes them from the prompt).
    process.env.CHAT_TITLES = "model";
    onTestFinished(() => {
      process.env.CHAT_TITLES = "prompt";
    });
    fakes.openai.replyAlways({ type: "text", deltas: ["A ", "short ", "answer."], usage: { input: 21, output: 9 } });
    const result = await chat(chatBody({ text: "Q" }));
    expect(result.response.status).toBe(200);
    expect(result.chunks.some((chunk) => chunk.type === "data-title")).toBe(true);
    // The answer (30) and the title (30).
    await expect.poll(async () => spent(visitorIdOf(cookieOf(result.response)))).toBe(60);
  });

  it("a chat deleted while it answers stops the answer, and what the turn spent stays charged", async () => {
    const reserved = reservation("Q");
    setEnv({ ...openAIEnv(fakes.openai, "chat"), DAILY_TOKEN_BUDGET: String(reserved + 100) });
    fakes.openai.replyAlways({ type: "text", deltas: ["A ", "slow ", "answer."], delayMs: 200, usage: { input: 21, output: 9 } });
    const id = `chat-${crypto.randomUUID()}`;
    const upstreamCalls = fakes.openai.requests.length;
    const response = await postChat(chatBody({ id, text: "Q" }));
    expect(response.status).toBe(200);
    const cookie = cookieOf(response);
    const visitorId = visitorIdOf(cookie);
    // While it answers, the whole turn is reserved.
    expect(await spent(visitorId)).toBe(reserved);
    const deleted = await deleteChatRoute(new Request(`http://localhost/api/chats/${id}`, { method: "DELETE", headers: { cookie } }), {
      params: Promise.resolve({ id }),
    });
    expect(deleted.status).toBe(204);
    await response.text();
    const [request] = fakes.openai.requests.slice(upstreamCalls);
    expect((await request.closed).beforeEnd).toBe(true);
    // Settled (the reservation given back) but not refunded: what the partial answer cost (estimated, the
    // provider sent no usage) stays spent, though the chat is gone.
    await expect.poll(async () => spent(visitorId)).toBeLessThan(reserved);
    expect(await spent(visitorId)).toBeGreaterThan(0);
    expect(await storedMessages(id, visitorId)).toEqual([]);
  });

  it("an embedded visitor spends against EMBED_DAILY_TOKEN_BUDGET; 0 turns a budget off", async () => {
    setEnv({ ...openAIEnv(fakes.openai, "chat"), EMBED_DAILY_TOKEN_BUDGET: String(oneStep("One") + 10), DAILY_TOKEN_BUDGET: "0" });
    fakes.openai.replyAlways({ type: "text", deltas: ["Fine."], usage: { input: 21, output: 9 } });
    const headers = { [EMBED_TOKEN_HEADER]: await embedToken(crypto.randomUUID(), 0, process.env.SESSION_SECRET!) };
    expect((await chat(chatBody({ text: "One" }), { headers })).response.status).toBe(200);
    await expectRefused(await postChat(chatBody({ text: "Two" }), { headers }), "rate_limit:budget", 86_400);

    const first = await chat(chatBody({ text: "Web one" }));
    const cookie = cookieOf(first.response);
    expect(await turns(3, { cookie })).toEqual([200, 200, 200]);
  });

  it("what is left pays for fewer steps: the turn is held to them; a conversation longer than a whole day's budget is a 413", async () => {
    const ledger = tokenLedger(await getDb());
    const turn = cost("Hello");
    const env = { DAILY_TOKEN_BUDGET: Math.floor(2.5 * turn.perStep), DAILY_IP_TOKEN_BUDGET: 0 } as never;
    const visitorId = crypto.randomUUID();
    const reserve = () => reserveTurnBudget({ env, secret: "s", visitorId, embedded: false, ip: null, ledger, cost: turn });
    const first = await reserve();
    expect(first.steps).toBe(2);
    expect(await spent(visitorId)).toBe(Math.floor(2.5 * turn.perStep));
    await first.settle(100);
    expect(await spent(visitorId)).toBe(100);
    expect((await reserve()).steps).toBe(2);
    await expect(reserve()).rejects.toMatchObject({ code: "rate_limit:budget", status: 429 });
    const long = { ...turn, perStep: 3 * turn.perStep };
    await expect(reserveTurnBudget({ env, secret: "s", visitorId: crypto.randomUUID(), embedded: false, ip: null, ledger, cost: long })).rejects.toMatchObject({
      code: "payload_too_large:budget",
      status: 413,
    });
  });

  it("a stopped answer without the provider's count is estimated from the text, so stopping early is not free", () => {
    const question: ChatMessage = userMessage("x".repeat(400), "q") as ChatMessage;
    const answer: ChatMessage = { id: "a", role: "assistant", parts: [{ type: "text", text: "y".repeat(400) }] };
    expect(tokensSpent(undefined, [question], answer)).toBeGreaterThanOrEqual(200);
    expect(tokensSpent({ inputTokens: 5, outputTokens: 7, totalTokens: 12 } as never, [question], answer)).toBe(12);
  });
});
