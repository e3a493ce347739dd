import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import type { LanguageModelUsage } from "ai";
import type { UsageStore } from "@/lib/db/usage";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ChatMessage } from "./types";

/**
 * Abuse limits for a chat turn (OWASP LLM10, unbounded consumption), checked before anything is stored or a model is
 * called: requests per minute per visitor (a lower tier for embedded visitors) and per client IP, through the
 * Cloudflare Rate Limiting bindings of wrangler.toml; and a daily token budget per visitor, counted in D1.
 */

/** The limiters' window: wrangler.toml sets `period = 60` on each of them. */
const RATE_PERIOD_SECONDS = 60;

type RateLimiters = Partial<Pick<CloudflareEnv, "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER">>;

async function rateLimiters(): Promise<RateLimiters> {
  try {
    return (await getCloudflareContext({ async: true })).env;
  } catch {
    // Plain Node (no worker, no emulation): no rate limiting there.
    return {};
  }
}

/** Seconds until the limiter's window turns over: an estimate, and never more than one period. */
function secondsToNextWindow(now: Date): number {
  return RATE_PERIOD_SECONDS - (Math.floor(now.getTime() / 1000) % RATE_PERIOD_SECONDS);
}

function secondsToUtcMidnight(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

export type TurnLimitsInput = {
  env: AppEnv;
  visitorId: string;
  embedded: boolean;
  /** The client's address as Cloudflare saw it (`cf-connecting-ip`); absent outside Cloudflare and its emulation. */
  ip: string | null;
  usage: UsageStore;
  now?: Date;
};

/** Throws a 429 AppError (with `retryAfter`) when this turn would go over a limit. */
export async function enforceTurnLimits({ env, visitorId, embedded, ip, usage, now = new Date() }: TurnLimitsInput) {
  const limiters = await rateLimiters();
  const visitorLimiter = embedded ? limiters.EMBED_VISITOR_LIMITER : limiters.VISITOR_LIMITER;
  const [visitorOk, ipOk] = await Promise.all([
    visitorLimiter ? visitorLimiter.limit({ key: visitorId }).then((outcome) => outcome.success) : true,
    ip && limiters.IP_LIMITER ? limiters.IP_LIMITER.limit({ key: ip }).then((outcome) => outcome.success) : true,
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

  const budget = embedded ? env.EMBED_DAILY_TOKEN_BUDGET : env.DAILY_TOKEN_BUDGET;
  if (budget > 0 && (await usage.spentOn(now)) >= budget) {
    throw new AppError("rate_limit:budget", "You have used today's allowance for this chat. It renews at midnight UTC.", {
      retryAfter: secondsToUtcMidnight(now),
    });
  }
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
  const characters = [...conversation, answer].reduce((sum, message) => sum + JSON.stringify(message.parts).length, 0);
  return Math.ceil(characters / 4);
}
