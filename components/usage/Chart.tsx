"use client";

import { useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartData } from "./usageSeries";

type ChartProps = {
  title: string;
  data: ChartData;
  /** A value as the axis, the hover line and the table show it. */
  format: (value: number) => string;
  /** A bucket's start as its row and hover label. */
  bucketLabel: (bucket: number) => string;
  /** Counts: whole-number ticks only. */
  integer?: boolean;
  /** The axis's top, whatever the data (a percentage's 100). */
  max?: number;
};

/** Tick steps for counts: never a half answer. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7];

const HEIGHT = 180;

/** The system theme (the app follows it: app/globals.css). */
function subscribeToTheme(onChange: () => void) {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
const prefersDark = () => window.matchMedia("(prefers-color-scheme: dark)").matches;

/** Running totals, top of the stack first: uPlot draws later series over earlier ones, so each bar shows its share. */
function stack(data: ChartData): { label: string; color: string; values: (number | null)[] }[] {
  const sums = data.x.map(() => 0);
  const stacked = data.series.map((series) => ({ ...series, values: series.values.map((value, index) => (sums[index] += value ?? 0)) }));
  return stacked.reverse();
}

/**
 * One usage chart: uPlot on a canvas (loaded with the page's first chart, never with the chat), a legend, a line that
 * reads out the hovered bucket, and the same numbers as a table (visually hidden until asked for; screen readers get
 * the table, not the canvas).
 */
export function Chart({ title, data, format, bucketLabel, integer = false, max }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [showTable, setShowTable] = useState(false);
  const dark = useSyncExternalStore(subscribeToTheme, prefersDark, () => false);
  const tableId = useId();

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let plot: uPlot | undefined;
    let cancelled = false;
    const observer = new ResizeObserver(() => plot?.setSize({ width: element.clientWidth, height: HEIGHT }));
    void import("uplot").then(({ default: UPlot }) => {
      if (cancelled) return;
      const drawn = data.stacked ? stack(data) : data.series;
      const axisColor = dark ? "#a3a3a3" : "#525252";
      const gridColor = dark ? "#262626" : "#e5e5e5";
      const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
      plot = new UPlot(
        {
          width: element.clientWidth,
          height: HEIGHT,
          legend: { show: false },
          cursor: { y: false, points: { show: !data.stacked } },
          scales: { x: { time: true }, y: { range: (_plot, _min, top) => [0, max ?? (top > 0 ? top * 1.1 : 1)] } },
          axes: [axis, { ...axis, size: 72, values: (_plot, ticks) => ticks.map(format), ...(integer ? { incrs: INTEGER_STEPS } : {}) }],
          series: [
            {},
            ...drawn.map((series) => ({
              label: series.label,
              stroke: series.color,
              width: data.stacked ? 0 : 2,
              fill: data.stacked ? series.color : undefined,
              spanGaps: false,
              paths: data.stacked ? UPlot.paths.bars!({ size: [0.7, 48] }) : undefined,
              // A line's buckets as dots too: a lone hour with answers has no line to draw.
              points: { show: !data.stacked, size: 5, fill: series.color },
            })),
          ],
          hooks: { setCursor: [(self) => setHovered(self.cursor.idx ?? null)] },
        },
        // uPlot's time scale counts seconds.
        [data.x.map((bucket) => bucket / 1000), ...drawn.map((series) => series.values)] as uPlot.AlignedData,
        element,
      );
      observer.observe(element);
    });
    return () => {
      cancelled = true;
      observer.disconnect();
      plot?.destroy();
    };
  }, [data, dark, format, integer, max]);

  const total = (index: number) => data.series.reduce((sum, series) => sum + (series.values[index] ?? 0), 0);
  const readout =
    hovered === null
      ? null
      : `${bucketLabel(data.x[hovered])}: ${data.series
          .map((series) => `${series.label} ${series.values[hovered] === null ? "–" : format(series.values[hovered]!)}`)
          .join(", ")}`;

  return (
    <figure className="min-w-0 rounded-xl border border-neutral-200 p-3 dark:border-neutral-800" data-testid="usage-chart">
      <figcaption className="flex items-center justify-between gap-2">
        <h2 className="text-sm font-medium text-neutral-800 dark:text-neutral-100">{title}</h2>
        <button
          type="button"
          aria-expanded={showTable}
          aria-controls={tableId}
          onClick={() => setShowTable((shown) => !shown)}
          className="rounded-md px-2 py-1 text-xs text-neutral-600 hover:bg-neutral-100 dark:text-neutral-400 dark:hover:bg-neutral-800"
        >
          {showTable ? "Chart" : "Table"}
        </button>
      </figcaption>
      <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs text-neutral-600 dark:text-neutral-400" aria-hidden>
        {data.series.map((series) => (
          <li key={series.label} className="flex items-center gap-1">
            <span className="inline-block size-2.5 rounded-sm" style={{ backgroundColor: series.color }} />
            {series.label}
          </li>
        ))}
      </ul>
      <p className="mt-1 h-4 truncate text-xs text-neutral-500 tabular-nums" aria-hidden>
        {readout}
      </p>
      <div ref={container} className={showTable ? "hidden" : "w-full"} aria-hidden />
      <div id={tableId} className={showTable ? "mt-2 max-h-64 overflow-auto" : "sr-only"}>
        <table className="w-full text-left text-xs tabular-nums">
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr className="text-neutral-500">
              <th scope="col" className="py-1 pr-3 font-medium">
                Time
              </th>
              {data.series.map((series) => (
                <th key={series.label} scope="col" className="py-1 pr-3 font-medium">
                  {series.label}
                </th>
              ))}
              {data.stacked && (
                <th scope="col" className="py-1 font-medium">
                  Total
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {data.x.map((bucket, index) => (
              <tr key={bucket} className="border-t border-neutral-100 dark:border-neutral-800">
                <th scope="row" className="py-1 pr-3 font-normal text-neutral-600 dark:text-neutral-400">
                  {bucketLabel(bucket)}
                </th>
                {data.series.map((series) => (
                  <td key={series.label} className="py-1 pr-3">
                    {series.values[index] === null ? "–" : format(series.values[index]!)}
                  </td>
                ))}
                {data.stacked && <td className="py-1">{format(total(index))}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
