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
  Pick<CloudflareEnv, "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER" | "NEW_VISITOR_LIMITER" | "API_KEY_LIMITER" | "OWNER_LIMITER">
>;

async function rateLimiters(): Promise<RateLimiters> {
  try {
    return (await getCloudflareContext({ async: true })).env;
  } catch {
    // Plain Node (no worker, no emulation): no rate limiting there.
    return {};
  }
}

/**
 * Who the per-IP limits count: the client's address as Cloudflare saw it (absent outside Cloudflare and its
 * emulation). An IPv6 client usually holds a whole /64 (and can take a new address from it per request), so IPv6
 * addresses count by their /64.
 */
export function clientIp(request: Request): string | null {
  const ip = request.headers.get("cf-connecting-ip")?.trim();
  if (!ip) return null;
  return ip.includes(":") ? ipv6Prefix64(ip) : ip;
}

/** `2001:db8:a:b:1:2:3:4` → `2001:db8:a:b::/64`; an IPv4-mapped address (`::ffff:1.2.3.4`) → `1.2.3.4`. */
export function ipv6Prefix64(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  const [head, tail = ""] = ip.toLowerCase().split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Seconds until the limiter's window turns over: an estimate, and never more than one period. */
function secondsToNextWindow(now: Date): number {
  return RATE_PERIOD_SECONDS - (Math.floor(now.getTime() / 1000) % RATE_PERIOD_SECONDS);
}

export function secondsToUtcMidnight(now: Date): number {
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

/** Throws a 429 when this API key (lib/api/keys.ts) has made too many requests this minute. */
export async function enforceApiKeyRateLimit(keyId: string, now = new Date()): Promise<void> {
  if (await allowed((await rateLimiters()).API_KEY_LIMITER, keyId)) return;
  throw new AppError("rate_limit:api_key", "This API key has made too many requests this minute.", {
    retryAfter: secondsToNextWindow(now),
  });
}

/**
 * Throws a 429 when this address has tried the owner's password (ADMIN_TOKEN: the sign-in form or a bearer token,
 * lib/security/owner.ts) too often this minute, so it cannot be guessed by brute force.
 */
export async function enforceOwnerAttemptLimit(ip: string | null, now = new Date()): Promise<void> {
  if (await allowed((await rateLimiters()).OWNER_LIMITER, ip)) return;
  throw new AppError("rate_limit:owner", "Too many sign-in attempts from your network. Wait a minute, then try again.", {
    retryAfter: secondsToNextWindow(now),
  });
}

/** Characters per token, roughly, for text whose provider count is unknown. */
export const CHARS_PER_TOKEN = 4;

function estimatedTokens(messages: ChatMessage[]): number {
  const characters = messages.reduce((sum, message) => sum + JSON.stringify(message.parts).length, 0);
  return Math.ceil(characters / CHARS_PER_TOKEN);
}

/**
 * What a turn can cost: every step may send the whole conversation and write the most it may write (a step's tool
 * results are not known in advance; they are small next to the output cap), plus the title call if it makes one.
 */
export type TurnCost = { perStep: number; steps: number; titleTokens: number };

export function turnCost({ messages, steps, maxOutputTokens, titleTokens }: {
  messages: ChatMessage[];
  steps: number;
  maxOutputTokens: number;
  /** What the title call may cost, when the turn makes one. */
  titleTokens: number;
}): TurnCost {
  return { perStep: estimatedTokens(messages) + maxOutputTokens, steps, titleTokens };
}

/**
 * What a turn cost: the provider's count when the answer finished, otherwise (stopped, failed) an estimate of
 * about four characters per token over the conversation sent and the answer received, so stopping every answer
 * early does not make it free.
 */
export function tokensSpent(usage: LanguageModelUsage | undefined, conversation: ChatMessage[], answer: ChatMessage): number {
  if (usage?.totalTokens !== undefined) return usage.totalTokens;
  const { inputTokens, outputTokens } = tokensUsed(usage, conversation, answer);
  return inputTokens + outputTokens;
}

/** `tokensSpent`, split into what was sent (the conversation) and what came back (the answer). */
export function tokensUsed(
  usage: LanguageModelUsage | undefined,
  conversation: ChatMessage[],
  answer: ChatMessage,
): { inputTokens: number; outputTokens: number } {
  if (usage?.inputTokens !== undefined || usage?.outputTokens !== undefined) {
    return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
  }
  return { inputTokens: estimatedTokens(conversation), outputTokens: estimatedTokens([answer]) };
}

/** The budget key of a client address: hashed with the secret, so the table holds no addresses. */
async function ipKey(ip: string, secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`edge-chat/ip:${secret}:${ip}`));
  return `ip:${[...new Uint8Array(digest).slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A turn's reservation: `steps`, how many steps it may take (fewer than asked when only that much was left), and
 * `settle`, called once with the real cost when the turn ends (the difference is given back or added).
 */
export type TurnBudget = { steps: number; settle(tokens: number): Promise<void> };

export type ReserveInput = {
  env: AppEnv;
  secret: string;
  visitorId: string;
  embedded: boolean;
  ip: string | null;
  ledger: TokenLedger;
  cost: TurnCost;
  now?: Date;
};

/**
 * Reserves the turn's cost on the visitor's and the address's budget for today, all or nothing. All of it when it
 * fits; else what is left, if that pays for at least one step (the turn then takes fewer steps). A 429 when not even
 * that is left (a 413 when the conversation alone is more than a whole day's budget). A budget of 0 is off.
 */
export async function reserveTurnBudget({ env, secret, visitorId, embedded, ip, ledger, cost, now = new Date() }: ReserveInput): Promise<TurnBudget> {
  const budgets = [
    { key: visitorId, limit: embedded ? env.EMBED_DAILY_TOKEN_BUDGET : env.DAILY_TOKEN_BUDGET, code: "rate_limit:budget" as const },
    ...(ip ? [{ key: await ipKey(ip, secret), limit: env.DAILY_IP_TOKEN_BUDGET, code: "rate_limit:ip_budget" as const }] : []),
  ].filter((budget) => budget.limit > 0);
  const least = cost.perStep + cost.titleTokens;
  let amount = cost.steps * cost.perStep + cost.titleTokens;
  const reserved: string[] = [];
  const giveBack = (tokens: number) => Promise.all(reserved.map((key) => ledger.add(key, -tokens, now)));
  // The usual case in one round trip: the whole amount fits every budget. Else what was added goes back, and each
  // budget is tried in turn below (what is left, the errors).
  const added = budgets.length ? await ledger.tryAddAll(budgets.map(({ key, limit }) => ({ key, tokens: amount, limit })), now) : [];
  if (added.every(Boolean)) reserved.push(...budgets.map((budget) => budget.key));
  else await Promise.all(budgets.filter((_, index) => added[index]).map(({ key }) => ledger.add(key, -amount, now)));
  for (const budget of reserved.length ? [] : budgets) {
    if (least > budget.limit) {
      await giveBack(amount);
      throw new AppError("payload_too_large:budget", "This conversation is too long for this chat's daily allowance. Start a new chat.");
    }
    let got = (await ledger.tryAdd(budget.key, amount, budget.limit, now)) ? amount : 0;
    if (!got) {
      const left = budget.limit - (await ledger.spentOn(budget.key, now));
      if (left >= least && (await ledger.tryAdd(budget.key, left, budget.limit, now))) got = left;
      if (!got) {
        await giveBack(amount);
        const who = budget.code === "rate_limit:budget" ? "You have" : "Your network has";
        const message =
          left > 0
            ? "What is left of today's allowance for this chat is not enough for this conversation. Start a new chat, or wait until midnight UTC."
            : `${who} used today's allowance for this chat. It renews at midnight UTC.`;
        throw new AppError(budget.code, message, { retryAfter: secondsToUtcMidnight(now) });
      }
    }
    if (got < amount) await giveBack(amount - got);
    amount = got;
    reserved.push(budget.key);
  }
  return {
    steps: Math.min(cost.steps, Math.floor((amount - cost.titleTokens) / cost.perStep)),
    // On the reservation's day, also when the turn ends after midnight.
    settle: async (spent) => {
      await Promise.all(reserved.map((key) => ledger.add(key, spent - amount, now)));
    },
  };
}
