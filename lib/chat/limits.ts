import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import type { LanguageModelUsage } from "ai";
import type { TokenLedger } from "@/lib/db/usage";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ChatMessage } from "./types";

/**
 * Abuse limits (OWASP LLM10, unbounded consumption), checked before anything is stored or a model is called:
 * - requests per minute per visitor (a lower tier for embedded visitors) and per client IP, and new identities
 *   (cookies, embed tokens) per client IP, through the Cloudflare Rate Limiting bindings of wrangler.toml;
 * - daily token budgets per visitor and per client IP, counted in D1: each turn reserves the most it can cost before
 *   the model is called and settles with what it really cost when it ends.
 * A new cookie escapes none of them: the IP limits and the IP budget do not care who the visitor claims to be.
 */

/** The limiters' window: wrangler.toml sets `period = 60` on each of them. */
const RATE_PERIOD_SECONDS = 60;

type RateLimiters = Partial<
  Pick<CloudflareEnv, "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER" | "NEW_VISITOR_LIMITER">
>;

async function rateLimiters(): Promise<RateLimiters> {
  try {
    return (await getCloudflareContext({ async: true })).env;
  } catch {
    // Plain Node (no worker, no emulation): no rate limiting there.
    return {};
  }
}

/** The client's address as Cloudflare saw it; absent outside Cloudflare and its emulation. */
export function clientIp(request: Request): string | null {
  return request.headers.get("cf-connecting-ip");
}

/** Seconds until the limiter's window turns over: an estimate, and never more than one period. */
function secondsToNextWindow(now: Date): number {
  return RATE_PERIOD_SECONDS - (Math.floor(now.getTime() / 1000) % RATE_PERIOD_SECONDS);
}

function secondsToUtcMidnight(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

async function allowed(limiter: RateLimit | undefined, key: string | null): Promise<boolean> {
  if (!limiter || !key) return true;
  return (await limiter.limit({ key })).success;
}

export type TurnRateInput = { visitorId: string; embedded: boolean; ip: string | null; now?: Date };

/** Throws a 429 AppError (with `retryAfter`) when this turn goes over a per-minute limit. */
export async function enforceTurnRateLimits({ visitorId, embedded, ip, now = new Date() }: TurnRateInput): Promise<void> {
  const limiters = await rateLimiters();
  const [visitorOk, ipOk] = await Promise.all([
    allowed(embedded ? limiters.EMBED_VISITOR_LIMITER : limiters.VISITOR_LIMITER, visitorId),
    allowed(limiters.IP_LIMITER, ip),
  ]);
  if (!visitorOk) {
    throw new AppError("rate_limit:visitor", "You are sending messages faster than this chat allows.", {
      retryAfter: secondsToNextWindow(now),
    });
  }
  if (!ipOk) {
    throw new AppError("rate_limit:ip", "Too many messages are coming from your network.", {
      retryAfter: secondsToNextWindow(now),
    });
  }
}

/** Throws a 429 when this address has sent too many requests this minute (outside chat turns: the embed session). */
export async function enforceIpRateLimit(ip: string | null, now = new Date()): Promise<void> {
  if (await allowed((await rateLimiters()).IP_LIMITER, ip)) return;
  throw new AppError("rate_limit:ip", "Too many requests are coming from your network.", { retryAfter: secondsToNextWindow(now) });
}

/** Throws a 429 when this address has been given too many new identities this minute. */
export async function enforceNewVisitorLimit(ip: string | null, now = new Date()): Promise<void> {
  if (await allowed((await rateLimiters()).NEW_VISITOR_LIMITER, ip)) return;
  throw new AppError("rate_limit:new_visitor", "Too many new chat sessions are starting from your network.", {
    retryAfter: secondsToNextWindow(now),
  });
}

/** Characters per token, roughly, for text whose provider count is unknown. */
const CHARS_PER_TOKEN = 4;

function estimatedTokens(messages: ChatMessage[]): number {
  const characters = messages.reduce((sum, message) => sum + JSON.stringify(message.parts).length, 0);
  return Math.ceil(characters / CHARS_PER_TOKEN);
}

/**
 * The most a turn can cost: every step may send the whole conversation and write the most it may write. A step's
 * tool results are not known in advance; they are small next to the output cap.
 */
export function maxTurnTokens({ messages, steps, maxOutputTokens, titleTokens }: {
  messages: ChatMessage[];
  steps: number;
  maxOutputTokens: number;
  /** What the title call may cost, when the turn makes one. */
  titleTokens: number;
}): number {
  return steps * (estimatedTokens(messages) + maxOutputTokens) + titleTokens;
}

/**
 * What a turn cost: the provider's count when the answer finished, otherwise (stopped, failed) an estimate of
 * about four characters per token over the conversation sent and the answer received, so stopping every answer
 * early does not make it free.
 */
export function tokensSpent(usage: LanguageModelUsage | undefined, conversation: ChatMessage[], answer: ChatMessage): number {
  if (usage?.totalTokens !== undefined) return usage.totalTokens;
  if (usage?.inputTokens !== undefined || usage?.outputTokens !== undefined) {
    return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  }
  return estimatedTokens([...conversation, answer]);
}

/** The budget key of a client address: hashed with the secret, so the table holds no addresses. */
async function ipKey(ip: string, secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`edge-chat/ip:${secret}:${ip}`));
  return `ip:${[...new Uint8Array(digest).slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** A turn's reserved tokens: settle with the real cost when the turn ends (the difference is given back or added). */
export type TurnBudget = { settle(tokens: number): Promise<void> };

export type ReserveInput = {
  env: AppEnv;
  secret: string;
  visitorId: string;
  embedded: boolean;
  ip: string | null;
  ledger: TokenLedger;
  /** The most this turn can cost (maxTurnTokens). */
  tokens: number;
  now?: Date;
};

/**
 * Reserves `tokens` on the visitor's and the address's budget for today, all or nothing; a 429 when either would go
 * over. A budget of 0 is off.
 */
export async function reserveTurnBudget({ env, secret, visitorId, embedded, ip, ledger, tokens, now = new Date() }: ReserveInput): Promise<TurnBudget> {
  const budgets = [
    { key: visitorId, limit: embedded ? env.EMBED_DAILY_TOKEN_BUDGET : env.DAILY_TOKEN_BUDGET, code: "rate_limit:budget" as const },
    ...(ip ? [{ key: await ipKey(ip, secret), limit: env.DAILY_IP_TOKEN_BUDGET, code: "rate_limit:ip_budget" as const }] : []),
  ].filter((budget) => budget.limit > 0);
  const reserved: string[] = [];
  for (const budget of budgets) {
    if (await ledger.tryAdd(budget.key, tokens, budget.limit, now)) {
      reserved.push(budget.key);
      continue;
    }
    await Promise.all(reserved.map((key) => ledger.add(key, -tokens, now)));
    const who = budget.code === "rate_limit:budget" ? "You have" : "Your network has";
    throw new AppError(budget.code, `${who} used today's allowance for this chat. It renews at midnight UTC.`, {
      retryAfter: secondsToUtcMidnight(now),
    });
  }
  return {
    // On the reservation's day, also when the turn ends after midnight.
    settle: async (spent) => {
      await Promise.all(reserved.map((key) => ledger.add(key, spent - tokens, now)));
    },
  };
}
