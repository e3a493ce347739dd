import { ANSWER_STATUSES, type AnswerStatus } from "@/lib/metrics/usage-report";
import type { UsageReport } from "@/lib/metrics/usage-report";

/** One chart: a value per bucket for each series. `stacked`: bars whose series add up; else lines. */
export type ChartData = {
  x: number[];
  series: { label: string; color: string; values: (number | null)[] }[];
  stacked: boolean;
};

/** Series colours that read on white and on near-black. The last one is for "Other". */
const PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#f43f5e", "#06b6d4"];
const OTHER = "#9ca3af";
export const STATUS_COLORS: Record<AnswerStatus, string> = {
  complete: "#10b981",
  stopped: "#9ca3af",
  error: "#f43f5e",
  interrupted: "#f59e0b",
};
/** Models beyond this many, by tokens, are summed as "Other". */
const MAX_MODELS = PALETTE.length;

/** Every bucket of the range, oldest first, so empty hours and days show as gaps, not as missing bars. */
export function buckets(report: Pick<UsageReport, "from" | "to" | "bucketMs">): number[] {
  const all: number[] = [];
  for (let bucket = report.from; bucket <= report.to; bucket += report.bucketMs) all.push(bucket);
  return all;
}

/** A value per bucket from rows keyed by bucket (missing buckets: `empty`). */
function perBucket<T extends { bucket: number }>(x: number[], rows: T[], value: (row: T) => number | null, empty: number | null) {
  const byBucket = new Map<number, number | null>();
  for (const row of rows) byBucket.set(row.bucket, (byBucket.get(row.bucket) ?? 0) + (value(row) ?? 0));
  return x.map((bucket) => (byBucket.has(bucket) ? byBucket.get(bucket)! : empty));
}

export type ModelTotal = { model: string; answers: number; inputTokens: number; outputTokens: number; costUsd: number; unpriced: number };

/** Each model over the whole range, most tokens first. */
export function modelTotals(report: UsageReport): ModelTotal[] {
  const totals = new Map<string, ModelTotal>();
  for (const row of report.models) {
    const total = totals.get(row.model) ?? { model: row.model, answers: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
    total.answers += row.answers;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.costUsd += row.costUsd;
    total.unpriced += row.unpriced;
    totals.set(row.model, total);
  }
  return [...totals.values()].sort((a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens));
}

/** Per model per bucket (tokens or cost), the top models by tokens each on their own, the rest as "Other". */
export function byModel(report: UsageReport, value: (row: UsageReport["models"][number]) => number): ChartData {
  const x = buckets(report);
  const ranked = modelTotals(report).map((total) => total.model);
  const shown = ranked.length > MAX_MODELS ? ranked.slice(0, MAX_MODELS - 1) : ranked;
  const others = ranked.filter((model) => !shown.includes(model));
  const series = shown.map((model, index) => ({
    label: model,
    color: PALETTE[index],
    values: perBucket(x, report.models.filter((row) => row.model === model), value, 0),
  }));
  if (others.length > 0) {
    series.push({
      label: `Other (${others.length})`,
      color: OTHER,
      values: perBucket(x, report.models.filter((row) => others.includes(row.model)), value, 0),
    });
  }
  return { x, series, stacked: true };
}

export function byStatus(report: UsageReport): ChartData {
  const x = buckets(report);
  const series = ANSWER_STATUSES.filter((status) => report.statuses.some((row) => row.status === status)).map((status) => ({
    label: status,
    color: STATUS_COLORS[status],
    values: perBucket(x, report.statuses.filter((row) => row.status === status), (row) => row.answers, 0),
  }));
  return { x, series, stacked: true };
}

export function ttft(report: UsageReport): ChartData {
  const x = buckets(report);
  return {
    x,
    stacked: false,
    series: [
      { label: "p50", color: PALETTE[0], values: perBucket(x, report.speed, (row) => row.ttftP50, null) },
      { label: "p95", color: PALETTE[3], values: perBucket(x, report.speed, (row) => row.ttftP95, null) },
    ],
  };
}

export function tokensPerSecond(report: UsageReport): ChartData {
  const x = buckets(report);
  return { x, stacked: false, series: [{ label: "tokens/s", color: PALETTE[1], values: perBucket(x, report.speed, (row) => row.tokensPerSecond, null) }] };
}

/** Share of answers served from a cache, in percent, per bucket with answers. */
export function cacheHitRate(report: UsageReport): ChartData {
  const x = buckets(report);
  const rate = (row: UsageReport["speed"][number]) => (row.answers > 0 ? (100 * row.cacheHits) / row.answers : null);
  return { x, stacked: false, series: [{ label: "cache hits", color: PALETTE[5], values: perBucket(x, report.speed, rate, null) }] };
}

/** The range's headline numbers. */
export function totals(report: UsageReport) {
  const models = modelTotals(report);
  const answers = report.statuses.reduce((sum, row) => sum + row.answers, 0);
  const errors = report.statuses.filter((row) => row.status === "error").reduce((sum, row) => sum + row.answers, 0);
  const cacheHits = report.speed.reduce((sum, row) => sum + row.cacheHits, 0);
  return {
    answers,
    inputTokens: models.reduce((sum, model) => sum + model.inputTokens, 0),
    outputTokens: models.reduce((sum, model) => sum + model.outputTokens, 0),
    costUsd: models.reduce((sum, model) => sum + model.costUsd, 0),
    unpriced: models.reduce((sum, model) => sum + model.unpriced, 0),
    errorRate: answers > 0 ? errors / answers : null,
    cacheHitRate: answers > 0 ? cacheHits / answers : null,
  };
}
