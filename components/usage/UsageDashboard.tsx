"use client";

import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { USAGE_RANGES, type UsageRange, type UsageReport } from "@/lib/metrics/usage-report";
import { Chart } from "./Chart";
import { byModel, byStatus, cacheHitRate, modelTotals, tokensPerSecond, totals, ttft } from "./usageSeries";

const RANGE_LABELS: Record<UsageRange, string> = { "24h": "24 hours", "7d": "7 days", "30d": "30 days" };

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

/** Dollars with cents, or more digits for the fractions of a cent small deployments spend. */
function usd(value: number): string {
  if (value === 0) return "$0";
  return `$${value.toLocaleString("en", value < 0.01 ? { maximumSignificantDigits: 2 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
const ms = (value: number) => `${integer.format(value)} ms`;
const perSecond = (value: number) => `${compact.format(value)}/s`;
const share = (value: number) => `${integer.format(value)} %`;
const count = (value: number) => integer.format(value);
const tokens = (value: number) => compact.format(value);

/** /usage for the owner: headline numbers, charts (each with its table) and the top models and surfaces. */
export function UsageDashboard() {
  const [range, setRange] = useState<UsageRange>("24h");
  const [report, setReport] = useState<UsageReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    void fetch(`/api/usage?range=${range}`)
      .then(async (response) => {
        const body = (await response.json().catch(() => null)) as (UsageReport & { error?: { message?: string } }) | null;
        if (!current) return;
        if (!response.ok || !body) throw new Error(body?.error?.message ?? `The server could not answer (HTTP ${response.status}).`);
        setReport(body);
        setError(null);
      })
      .catch((failure: Error) => current && setError(failure.message));
    return () => {
      current = false;
    };
  }, [range]);

  const shown = report?.range === range ? report : null;
  const bucketLabel = useMemo(() => {
    const format = new Intl.DateTimeFormat(undefined, range === "24h" ? { hour: "2-digit", minute: "2-digit" } : { month: "short", day: "numeric" });
    return (bucket: number) => format.format(bucket);
  }, [range]);
  const charts = useMemo(
    () =>
      shown && {
        tokens: byModel(shown, (row) => row.inputTokens + row.outputTokens),
        cost: byModel(shown, (row) => row.costUsd),
        statuses: byStatus(shown),
        ttft: ttft(shown),
        speed: tokensPerSecond(shown),
        cache: cacheHitRate(shown),
      },
    [shown],
  );
  const sum = shown && totals(shown);

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-baseline gap-3">
          <h1 className="text-xl font-semibold tracking-tight text-neutral-900 dark:text-neutral-50">Usage</h1>
          <Link href="/usage/live" className="text-sm text-neutral-600 underline-offset-4 hover:underline dark:text-neutral-300">
            Live streams
          </Link>
        </div>
        <div role="radiogroup" aria-label="Range" className="flex rounded-lg border border-neutral-200 p-0.5 dark:border-neutral-800">
          {(Object.keys(USAGE_RANGES) as UsageRange[]).map((option) => (
            <button
              key={option}
              type="button"
              role="radio"
              aria-checked={range === option}
              onClick={() => {
                setRange(option);
                setError(null);
              }}
              className="rounded-md px-3 py-1 text-sm text-neutral-600 aria-checked:bg-neutral-900 aria-checked:text-white dark:text-neutral-300 dark:aria-checked:bg-neutral-100 dark:aria-checked:text-neutral-900"
            >
              {RANGE_LABELS[option]}
            </button>
          ))}
        </div>
      </div>

      {error && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      )}
      {!shown && !error && <p className="text-sm text-neutral-500">Loading…</p>}

      {shown && sum && charts && (
        <>
          <p className="text-xs text-neutral-500" data-testid="usage-source">
            {shown.source === "analytics-engine"
              ? "From Workers Analytics Engine (sampled; counts are weighted by each row's sample interval)."
              : "From the usage records in D1."}
          </p>
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="usage-totals">
            <Stat label="Answers" value={integer.format(sum.answers)} />
            <Stat label="Tokens" value={compact.format(sum.inputTokens + sum.outputTokens)} detail={`${compact.format(sum.inputTokens)} in, ${compact.format(sum.outputTokens)} out`} />
            <Stat label="Estimated cost" value={usd(sum.costUsd)} detail={sum.unpriced > 0 ? `${integer.format(sum.unpriced)} answers without a price` : undefined} />
            <Stat label="TTFT p50 / p95" value={shown.ttft.p50 === null ? "–" : `${ms(shown.ttft.p50)}`} detail={shown.ttft.p95 === null ? undefined : `p95 ${ms(shown.ttft.p95)}`} />
            <Stat label="Errors" value={sum.errorRate === null ? "–" : percent.format(sum.errorRate)} />
            <Stat label="Cache hits" value={sum.cacheHitRate === null ? "–" : percent.format(sum.cacheHitRate)} />
          </dl>

          {sum.answers === 0 ? (
            <p className="rounded-xl border border-dashed border-neutral-300 p-6 text-center text-sm text-neutral-500 dark:border-neutral-700">
              No answers in the last {RANGE_LABELS[range]}.
            </p>
          ) : (
            <>
              <div className="grid gap-3 md:grid-cols-2">
                <Chart title="Tokens by model" data={charts.tokens} format={tokens} bucketLabel={bucketLabel} integer />
                <Chart title="Estimated cost by model" data={charts.cost} format={usd} bucketLabel={bucketLabel} />
                <Chart title="Answers by status" data={charts.statuses} format={count} bucketLabel={bucketLabel} integer />
                <Chart title="Time to first token" data={charts.ttft} format={ms} bucketLabel={bucketLabel} />
                <Chart title="Output speed" data={charts.speed} format={perSecond} bucketLabel={bucketLabel} />
                <Chart title="Cache hit rate" data={charts.cache} format={share} bucketLabel={bucketLabel} max={100} />
              </div>
              <div className="grid gap-3 md:grid-cols-2">
                <TopTable
                  title="Top models"
                  testId="usage-top-models"
                  head={["Model", "Answers", "Tokens", "Cost"]}
                  rows={modelTotals(shown).map((model) => [
                    model.model,
                    integer.format(model.answers),
                    compact.format(model.inputTokens + model.outputTokens),
                    model.unpriced === model.answers ? "no price" : usd(model.costUsd),
                  ])}
                />
                <TopTable
                  title="Surfaces"
                  testId="usage-surfaces"
                  head={["Surface", "Answers", "Tokens"]}
                  rows={shown.surfaces.map((surface) => [surface.surface, integer.format(surface.answers), compact.format(surface.tokens)])}
                />
              </div>
            </>
          )}
        </>
      )}
    </div>
  );
}

function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="rounded-xl border border-neutral-200 px-3 py-2 dark:border-neutral-800">
      <dt className="text-xs text-neutral-500">{label}</dt>
      <dd className="text-lg font-semibold text-neutral-900 tabular-nums dark:text-neutral-50">{value}</dd>
      {detail && <dd className="text-xs text-neutral-500 tabular-nums">{detail}</dd>}
    </div>
  );
}

function TopTable({ title, head, rows, testId }: { title: string; head: string[]; rows: string[][]; testId: string }) {
  return (
    <section className="rounded-xl border border-neutral-200 p-3 dark:border-neutral-800" data-testid={testId}>
      <h2 className="text-sm font-medium text-neutral-800 dark:text-neutral-100">{title}</h2>
      <table className="mt-2 w-full text-left text-sm tabular-nums">
        <thead>
          <tr className="text-xs text-neutral-500">
            {head.map((column) => (
              <th key={column} scope="col" className="py-1 pr-3 font-medium">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row[0]} className="border-t border-neutral-100 dark:border-neutral-800">
              {row.map((cell, index) => (
                <td key={index} className="max-w-48 truncate py-1 pr-3 text-neutral-800 dark:text-neutral-200">
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
