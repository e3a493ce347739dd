/** How an answer ended, as the usage records count it (a stored message's status minus `streaming`). */
export const ANSWER_STATUSES = ["complete", "stopped", "error", "interrupted"] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];
/** Where a question came from: the app's pages, the embedded widget, the OpenAI-compatible API. */
export const SURFACES = ["app", "embed", "api"] as const;
export type Surface = (typeof SURFACES)[number];

/** The usage page's ranges: how far back, and the width of each chart bar. */
export const USAGE_RANGES = {
  "24h": { spanMs: 24 * 3_600_000, bucketMs: 3_600_000 },
  "7d": { spanMs: 7 * 86_400_000, bucketMs: 86_400_000 },
  "30d": { spanMs: 30 * 86_400_000, bucketMs: 86_400_000 },
} as const;
export type UsageRange = keyof typeof USAGE_RANGES;

/** Tokens and cost of one model in one bucket. `unpriced`: answers of a model without a price (no cost counted). */
export type ModelBucket = {
  bucket: number;
  model: string;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpriced: number;
};
export type StatusBucket = { bucket: number; status: AnswerStatus; answers: number };
/** Speed in one bucket: TTFT percentiles (answers that got a token), mean output tokens per second, cache hits. */
export type SpeedBucket = {
  bucket: number;
  answers: number;
  ttftP50: number | null;
  ttftP95: number | null;
  tokensPerSecond: number | null;
  cacheHits: number;
};
export type SurfaceTotal = { surface: Surface; answers: number; tokens: number };

/**
 * What /usage shows for a range, from Analytics Engine (weighted by each row's sample interval) or from D1. Rows are
 * per bucket (`bucket`: its start, epoch ms, UTC) and only where there was something to count.
 */
export type UsageReport = {
  range: UsageRange;
  source: "analytics-engine" | "d1";
  from: number;
  to: number;
  bucketMs: number;
  models: ModelBucket[];
  statuses: StatusBucket[];
  speed: SpeedBucket[];
  surfaces: SurfaceTotal[];
  /** Over the whole range. */
  ttft: { p50: number | null; p95: number | null };
};

/** The range's first bucket start and its end, for `now`. */
export function rangeBounds(range: UsageRange, now: number): { from: number; to: number; bucketMs: number } {
  const { spanMs, bucketMs } = USAGE_RANGES[range];
  const to = now;
  // Whole buckets: the oldest one starts at a bucket boundary, so every bar covers the same span.
  const from = Math.floor((now - spanMs) / bucketMs) * bucketMs + bucketMs;
  return { from, to, bucketMs };
}
