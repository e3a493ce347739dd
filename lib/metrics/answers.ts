import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { sessionSecret } from "@/lib/chat/identity";
import { waitUntilOfThisRequest } from "@/lib/chat/session";
import { answerMetricsStore, type AnswerRecord } from "@/lib/db/answer-metrics";
import { sha256Hex } from "@/lib/db/answer-cache";
import { getDb } from "@/lib/db/client";
import type { AnswerStatus, Surface } from "@/lib/metrics/usage-report";
import { readEnv } from "@/lib/env";
import { analyticsReport, hasAnalyticsSql, toDataPoint } from "./analytics-engine";
import { estimateCost } from "./prices";
import type { UsageRange, UsageReport } from "./usage-report";

/**
 * Usage records: one per answer, whatever asked (the app, the widget, the API) and however it ended. Written to
 * Workers Analytics Engine (the ANALYTICS binding) and to D1's answer_metrics, which the usage page reads when the SQL
 * API is not configured (Analytics Engine has no local store). Recording never delays or breaks an answer: it runs
 * after the answer, is not awaited, and a failure is only logged.
 */

/** What the code that ran an answer knows about it. */
export type AnswerOutcome = {
  surface: Surface;
  /** The visitor (or the API key's owner); stored as a keyed hash. */
  visitorId: string;
  /** When the answer started (epoch ms); its duration runs from here to the record. */
  startedAt: number;
  status: AnswerStatus;
  /** The model that answered, and the one asked first when a fallback answered. */
  model: string;
  fallbackFrom?: string;
  ttftMs?: number;
  tokensPerSecond?: number;
  inputTokens: number;
  outputTokens: number;
  toolCalls: number;
  retries: number;
  cacheHit: boolean;
};

/** The record of an answer (pure: the tests check the numbers here). */
export async function answerRecord(outcome: AnswerOutcome, secret: string, prices: Parameters<typeof estimateCost>[2], now = Date.now()): Promise<AnswerRecord> {
  const cost = outcome.cacheHit ? 0 : estimateCost(outcome.model, outcome, prices);
  return {
    at: outcome.startedAt,
    surface: outcome.surface,
    // Keyed with the secret and shortened: enough to count visitors, no way back to a cookie's id.
    visitor: (await sha256Hex(`edge-chat/metrics:${secret}:${outcome.visitorId}`)).slice(0, 16),
    model: outcome.model,
    provider: outcome.model.slice(0, outcome.model.indexOf(":")),
    fallbackFrom: outcome.fallbackFrom ?? null,
    status: outcome.status,
    ttftMs: outcome.ttftMs === undefined ? null : Math.round(outcome.ttftMs),
    durationMs: Math.max(0, Math.round(now - outcome.startedAt)),
    tokensPerSecond: outcome.tokensPerSecond ?? null,
    inputTokens: Math.round(outcome.inputTokens),
    outputTokens: Math.round(outcome.outputTokens),
    toolCalls: outcome.toolCalls,
    retries: outcome.retries,
    cacheHit: outcome.cacheHit,
    costUsd: cost ?? null,
  };
}

/** Records one answer: returns at once, never throws, and never delays the answer. */
export type AnswerRecorder = (outcome: AnswerOutcome) => void;

/**
 * The recorder of a request's answers, opened in the request's own context: the bindings and the worker's waitUntil
 * are not reachable from a stream's callbacks once the response is being read (where answers end).
 */
export async function answerRecorder(): Promise<AnswerRecorder> {
  const env = await readEnv();
  const db = await getDb();
  const keepAlive = waitUntilOfThisRequest();
  let analytics: AnalyticsEngineDataset | undefined;
  try {
    analytics = (await getCloudflareContext({ async: true })).env.ANALYTICS;
  } catch {
    // No worker context (plain Node): no Analytics Engine.
  }
  return (outcome) => {
    const now = Date.now();
    const task = (async () => {
      const record = await answerRecord(outcome, sessionSecret(env), env.MODEL_PRICES, now);
      analytics?.writeDataPoint(toDataPoint(record));
      await answerMetricsStore(db).add(record);
    })().catch((error) => console.error("recording the answer's usage failed:", error));
    keepAlive(task);
  };
}

/** /usage's numbers: from Analytics Engine when its SQL API is configured, otherwise from D1. */
export async function usageReport(range: UsageRange, now = Date.now()): Promise<UsageReport> {
  const env = await readEnv();
  if (hasAnalyticsSql(env)) return analyticsReport(env, range, now);
  return answerMetricsStore(await getDb()).report(range, now);
}
