/** The usage page's series (components/usage/usageSeries.ts): a report's rows as chart columns. */
import { describe, expect, it } from "vitest";
import { buckets, byModel, byStatus, cacheHitRate, totals, ttft } from "@/components/usage/usageSeries";
import type { UsageReport } from "@/lib/metrics/usage-report";

const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 10, 30, 0);

function report(overrides: Partial<UsageReport>): UsageReport {
  return { range: "24h", source: "d1", from: FROM, to: FROM + 3 * HOUR + 5, bucketMs: HOUR, models: [], statuses: [], speed: [], surfaces: [], ttft: { p50: null, p95: null }, ...overrides };
}

const modelRow = (bucket: number, model: string, tokens: number, costUsd = 0) => ({
  bucket,
  model,
  answers: 1,
  inputTokens: tokens,
  outputTokens: 0,
  costUsd,
  unpriced: 0,
});

describe("usage series", () => {
  it("every bucket of the range, empty ones included", () => {
    expect(buckets(report({}))).toEqual([FROM, FROM + HOUR, FROM + 2 * HOUR, FROM + 3 * HOUR]);
  });

  it("tokens by model: the top five by tokens on their own, the rest as Other, zeros where a model had none", () => {
    const models = ["a", "b", "c", "d", "e", "f", "g"].map((model, index) => modelRow(FROM + HOUR, `openai:${model}`, 100 - index));
    models.push(modelRow(FROM + 3 * HOUR, "openai:a", 5));
    const chart = byModel(report({ models }), (row) => row.inputTokens);

    expect(chart.stacked).toBe(true);
    expect(chart.series.map((series) => series.label)).toEqual(["openai:a", "openai:b", "openai:c", "openai:d", "openai:e", "Other (2)"]);
    expect(chart.series[0].values).toEqual([0, 100, 0, 5]);
    expect(chart.series[5].values).toEqual([0, 95 + 94, 0, 0]);
  });

  it("six models or fewer: no Other", () => {
    const models = ["a", "b"].map((model) => modelRow(FROM, `demo:${model}`, 1));
    expect(byModel(report({ models }), (row) => row.inputTokens).series.map((series) => series.label)).toEqual(["demo:a", "demo:b"]);
  });

  it("answers by status: only the statuses that occur, in their fixed order", () => {
    const chart = byStatus(report({ statuses: [{ bucket: FROM, status: "error", answers: 2 }, { bucket: FROM, status: "complete", answers: 5 }] }));
    expect(chart.series.map((series) => [series.label, series.values])).toEqual([
      ["complete", [5, 0, 0, 0]],
      ["error", [2, 0, 0, 0]],
    ]);
  });

  it("lines leave gaps (null) where nothing was measured; the cache rate is a percentage of answers", () => {
    const speed = [{ bucket: FROM + HOUR, answers: 4, ttftP50: 120, ttftP95: 800, tokensPerSecond: 55, cacheHits: 1 }];
    expect(ttft(report({ speed })).series.map((series) => series.values)).toEqual([
      [null, 120, null, null],
      [null, 800, null, null],
    ]);
    expect(cacheHitRate(report({ speed })).series[0].values).toEqual([null, 25, null, null]);
  });

  it("totals: answers, tokens, cost, unpriced answers, error and cache rates", () => {
    const sum = totals(
      report({
        models: [modelRow(FROM, "openai:a", 100, 0.5), { ...modelRow(FROM, "openai:b", 50), unpriced: 1 }],
        statuses: [{ bucket: FROM, status: "complete", answers: 3 }, { bucket: FROM, status: "error", answers: 1 }],
        speed: [{ bucket: FROM, answers: 4, ttftP50: 1, ttftP95: 2, tokensPerSecond: 3, cacheHits: 2 }],
      }),
    );
    expect(sum).toEqual({ answers: 4, inputTokens: 150, outputTokens: 0, costUsd: 0.5, unpriced: 1, errorRate: 0.25, cacheHitRate: 0.5 });
  });
});
