import "server-only";
import { lt } from "drizzle-orm";
import type { ModelBucket, SpeedBucket, StatusBucket, SurfaceTotal, UsageRange, UsageReport } from "@/lib/metrics/usage-report";
import { rangeBounds } from "@/lib/metrics/usage-report";
import type { Database } from "./client";
import { answerMetrics } from "./schema";

export type AnswerRecord = Omit<typeof answerMetrics.$inferInsert, "id">;

/** Records older than this are deleted (now and then, by a write): the usage page looks back 30 days at most. */
const RETENTION_MS = 90 * 86_400_000;
/** One write in this many also deletes expired records, so no request pays for it often. */
const PRUNE_EVERY = 200;

/** Nearest-rank percentiles of TTFT per group, with SQLite's window functions (D1 has no percentile function). */
const percentiles = (group: string) => `
  WITH ranked AS (
    SELECT ${group} AS grp, ttft_ms,
      ROW_NUMBER() OVER (PARTITION BY ${group} ORDER BY ttft_ms) AS n,
      COUNT(*) OVER (PARTITION BY ${group}) AS total
    FROM answer_metrics WHERE at >= ?1 AND at <= ?2 AND ttft_ms IS NOT NULL
  )
  SELECT grp, MIN(CASE WHEN n >= 0.5 * total THEN ttft_ms END) AS p50, MIN(CASE WHEN n >= 0.95 * total THEN ttft_ms END) AS p95
  FROM ranked GROUP BY grp`;

const BUCKET = "(at - at % ?3)";

/** The usage records in D1 (lib/metrics/): one row per answer, and the usage page's report over them. */
export function answerMetricsStore(db: Database) {
  return {
    async add(record: AnswerRecord): Promise<void> {
      await db.insert(answerMetrics).values(record);
      if (Math.random() * PRUNE_EVERY < 1) await db.delete(answerMetrics).where(lt(answerMetrics.at, Date.now() - RETENTION_MS));
    },

    /** The report for `range` ending at `now`, in one round trip. */
    async report(range: UsageRange, now: number): Promise<UsageReport> {
      const { from, to, bucketMs } = rangeBounds(range, now);
      const d1 = db.$client;
      // Every query takes all three parameters (D1 refuses unused ones): those without buckets say `?3 > 0`.
      const bind = (query: string) => d1.prepare(query).bind(from, to, bucketMs);
      const [models, statuses, speed, latency, surfaces, overall] = await d1.batch([
        bind(`SELECT ${BUCKET} AS bucket, model, COUNT(*) AS answers, SUM(input_tokens) AS inputTokens,
          SUM(output_tokens) AS outputTokens, TOTAL(cost_usd) AS costUsd, SUM(cost_usd IS NULL) AS unpriced
          FROM answer_metrics WHERE at >= ?1 AND at <= ?2 GROUP BY bucket, model ORDER BY bucket`),
        bind(`SELECT ${BUCKET} AS bucket, status, COUNT(*) AS answers
          FROM answer_metrics WHERE at >= ?1 AND at <= ?2 GROUP BY bucket, status ORDER BY bucket`),
        bind(`SELECT ${BUCKET} AS bucket, COUNT(*) AS answers, AVG(tokens_per_second) AS tokensPerSecond,
          SUM(cache_hit) AS cacheHits FROM answer_metrics WHERE at >= ?1 AND at <= ?2 GROUP BY bucket ORDER BY bucket`),
        bind(percentiles(BUCKET)),
        bind(`SELECT surface, COUNT(*) AS answers, SUM(input_tokens + output_tokens) AS tokens
          FROM answer_metrics WHERE at >= ?1 AND at <= ?2 AND ?3 > 0 GROUP BY surface ORDER BY answers DESC`),
        bind(percentiles("?3 > 0")),
      ]);
      const ttftByBucket = new Map((latency.results as { grp: number; p50: number | null; p95: number | null }[]).map((row) => [row.grp, row]));
      const [total] = overall.results as { p50: number | null; p95: number | null }[];
      return {
        range,
        source: "d1",
        from,
        to,
        bucketMs,
        models: models.results as ModelBucket[],
        statuses: statuses.results as StatusBucket[],
        speed: (speed.results as Omit<SpeedBucket, "ttftP50" | "ttftP95">[]).map((row) => ({
          ...row,
          ttftP50: ttftByBucket.get(row.bucket)?.p50 ?? null,
          ttftP95: ttftByBucket.get(row.bucket)?.p95 ?? null,
        })),
        surfaces: surfaces.results as SurfaceTotal[],
        ttft: { p50: total?.p50 ?? null, p95: total?.p95 ?? null },
      };
    },
  };
}
