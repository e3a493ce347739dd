import "server-only";
import type { AnswerRecord } from "@/lib/db/answer-metrics";
import type { AppEnv } from "@/lib/env";
import type { ModelBucket, SpeedBucket, StatusBucket, SurfaceTotal, UsageRange, UsageReport } from "./usage-report";
import { rangeBounds } from "./usage-report";

/**
 * Workers Analytics Engine: one data point per answer through the ANALYTICS binding, read back through the account's
 * SQL API. The layout below is the one source for both: blob N and double N are the Nth names. A missing number (no
 * TTFT, no price) is written as -1 and left out of sums and percentiles. The index (the sampling key) is the model:
 * the page groups by it, and a rarely used model keeps its own sample.
 */
const BLOBS = ["surface", "model", "provider", "status", "fallbackFrom", "visitor"] as const satisfies (keyof AnswerRecord)[];
const DOUBLES = [
  "ttftMs",
  "durationMs",
  "tokensPerSecond",
  "inputTokens",
  "outputTokens",
  "toolCalls",
  "retries",
  "cacheHit",
  "costUsd",
] as const satisfies (keyof AnswerRecord)[];

const blob = (name: (typeof BLOBS)[number]) => `blob${BLOBS.indexOf(name) + 1}`;
const double = (name: (typeof DOUBLES)[number]) => `double${DOUBLES.indexOf(name) + 1}`;

export function toDataPoint(record: AnswerRecord): AnalyticsEngineDataPoint {
  return {
    indexes: [record.model],
    blobs: BLOBS.map((name) => record[name] ?? ""),
    doubles: DOUBLES.map((name) => {
      const value = record[name];
      if (typeof value === "boolean") return value ? 1 : 0;
      return value ?? -1;
    }),
  };
}

/** Rows stand for `_sample_interval` answers each: every count and sum is weighted by it. */
const W = "_sample_interval";

const SQL_API = "https://api.cloudflare.com/client/v4/accounts";

export function hasAnalyticsSql(env: AppEnv): boolean {
  return Boolean(env.ANALYTICS_API_TOKEN && env.CLOUDFLARE_ACCOUNT_ID);
}

/** `2026-11-30 09:00:00`: the SQL API's DateTime literal (UTC). */
const dateTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

/** The usage report from Analytics Engine (hasAnalyticsSql(env) must hold). */
export async function analyticsReport(env: AppEnv, range: UsageRange, now: number): Promise<UsageReport> {
  const { from, to, bucketMs } = rangeBounds(range, now);
  const interval = bucketMs === 3_600_000 ? "'1' HOUR" : "'1' DAY";
  const bucket = `toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL ${interval})) * 1000`;
  const where = `timestamp >= toDateTime('${dateTime(from)}') AND timestamp <= toDateTime('${dateTime(to)}')`;
  const table = env.ANALYTICS_DATASET;
  const ttft = double("ttftMs");
  const tps = double("tokensPerSecond");
  const cost = double("costUsd");
  const query = (sql: string) => runSql(env, `${sql} FORMAT JSON`);
  const [models, statuses, speed, latency, surfaces, overall] = await Promise.all([
    query(`SELECT ${bucket} AS bucket, ${blob("model")} AS model, SUM(${W}) AS answers,
      SUM(${W} * ${double("inputTokens")}) AS inputTokens, SUM(${W} * ${double("outputTokens")}) AS outputTokens,
      sumIf(${W} * ${cost}, ${cost} >= 0) AS costUsd, sumIf(${W}, ${cost} < 0) AS unpriced
      FROM ${table} WHERE ${where} GROUP BY bucket, model ORDER BY bucket`),
    query(`SELECT ${bucket} AS bucket, ${blob("status")} AS status, SUM(${W}) AS answers
      FROM ${table} WHERE ${where} GROUP BY bucket, status ORDER BY bucket`),
    query(`SELECT ${bucket} AS bucket, SUM(${W}) AS answers, sumIf(${W} * ${tps}, ${tps} >= 0) AS tpsSum,
      sumIf(${W}, ${tps} >= 0) AS tpsAnswers, SUM(${W} * ${double("cacheHit")}) AS cacheHits
      FROM ${table} WHERE ${where} GROUP BY bucket ORDER BY bucket`),
    query(`SELECT ${bucket} AS bucket, quantileExactWeighted(0.5)(${ttft}, ${W}) AS p50,
      quantileExactWeighted(0.95)(${ttft}, ${W}) AS p95 FROM ${table} WHERE ${where} AND ${ttft} >= 0 GROUP BY bucket`),
    query(`SELECT ${blob("surface")} AS surface, SUM(${W}) AS answers,
      SUM(${W} * (${double("inputTokens")} + ${double("outputTokens")})) AS tokens
      FROM ${table} WHERE ${where} GROUP BY surface ORDER BY answers DESC`),
    query(`SELECT quantileExactWeighted(0.5)(${ttft}, ${W}) AS p50, quantileExactWeighted(0.95)(${ttft}, ${W}) AS p95,
      SUM(${W}) AS answers FROM ${table} WHERE ${where} AND ${ttft} >= 0`),
  ]);
  const ttftByBucket = new Map(latency.map((row) => [num(row.bucket), row]));
  const total = overall[0];
  return {
    range,
    source: "analytics-engine",
    from,
    to,
    bucketMs,
    models: models.map(
      (row): ModelBucket => ({
        bucket: num(row.bucket),
        model: String(row.model),
        answers: num(row.answers),
        inputTokens: num(row.inputTokens),
        outputTokens: num(row.outputTokens),
        costUsd: num(row.costUsd),
        unpriced: num(row.unpriced),
      }),
    ),
    statuses: statuses.map((row) => ({ bucket: num(row.bucket), status: row.status as StatusBucket["status"], answers: num(row.answers) })),
    speed: speed.map((row): SpeedBucket => {
      const latencyRow = ttftByBucket.get(num(row.bucket));
      return {
        bucket: num(row.bucket),
        answers: num(row.answers),
        ttftP50: latencyRow ? num(latencyRow.p50) : null,
        ttftP95: latencyRow ? num(latencyRow.p95) : null,
        tokensPerSecond: num(row.tpsAnswers) > 0 ? num(row.tpsSum) / num(row.tpsAnswers) : null,
        cacheHits: num(row.cacheHits),
      };
    }),
    surfaces: surfaces.map((row) => ({ surface: row.surface as SurfaceTotal["surface"], answers: num(row.answers), tokens: num(row.tokens) })),
    ttft: total && num(total.answers) > 0 ? { p50: num(total.p50), p95: num(total.p95) } : { p50: null, p95: null },
  };
}

/** The SQL API's JSON puts 64-bit numbers in strings. */
const num = (value: unknown) => Number(value ?? 0);

type SqlRow = Record<string, unknown>;

async function runSql(env: AppEnv, sql: string): Promise<SqlRow[]> {
  const base = env.ANALYTICS_SQL_URL ?? `${SQL_API}/${env.CLOUDFLARE_ACCOUNT_ID}/analytics_engine/sql`;
  const response = await fetch(base, {
    method: "POST",
    headers: { authorization: `Bearer ${env.ANALYTICS_API_TOKEN}` },
    body: sql,
  });
  if (!response.ok) {
    // The body may echo the query; the status is what the owner needs (a wrong token, a missing dataset).
    throw new Error(`Analytics Engine's SQL API answered HTTP ${response.status}.`);
  }
  const body = (await response.json()) as { data?: SqlRow[] };
  return body.data ?? [];
}
