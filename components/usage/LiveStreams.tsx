"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { LiveStream, LiveStreamsResponse } from "@/lib/metrics/live-core";
import type { Surface } from "@/lib/metrics/usage-report";

/** How often the list is read while the tab is visible (the registry then has the answers report every second too). */
const POLL_MS = 1_000;

const SURFACE_LABELS: Record<Surface, string> = { app: "App", embed: "Widget", api: "API" };

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function bytes(value: number): string {
  return value < 1024 ? `${integer.format(value)} B` : `${oneDecimal.format(value / 1024)} KB`;
}

/** The server's message from a failed call (lib/errors.ts shape), or a generic one. */
async function failure(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server could not answer (HTTP ${response.status}).`;
}

/** /usage/live for the owner: the answers streaming right now, read every second while the tab is visible, with Stop. */
export function LiveStreams() {
  const [streams, setStreams] = useState<LiveStream[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Stops asked for here and not yet seen by the registry (it then says `stopping` itself). */
  const [requested, setRequested] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reading = false;
    let mounted = true;
    const read = async () => {
      timer = undefined;
      reading = true;
      try {
        const response = await fetch("/api/usage/live", { cache: "no-store" });
        if (!response.ok) throw new Error(await failure(response));
        const body = (await response.json()) as LiveStreamsResponse;
        if (!mounted) return;
        setStreams(body.streams);
        setError(null);
      } catch (caught) {
        if (mounted) setError(caught instanceof TypeError ? "Could not reach the server." : (caught as Error).message);
      } finally {
        reading = false;
      }
      // A hidden tab reads nothing (and so stops counting as watching): the next read waits for it to be shown.
      if (mounted && !document.hidden) timer = setTimeout(read, POLL_MS);
    };
    const onVisibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = undefined;
      } else if (!timer && !reading) {
        void read();
      }
    };
    void read();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      mounted = false;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, []);

  const stop = async (id: string) => {
    setRequested((current) => new Set(current).add(id));
    const response = await fetch(`/api/usage/live/${encodeURIComponent(id)}/stop`, { method: "POST" }).catch(() => null);
    // 404: it ended meanwhile, and leaves the list with the next read.
    if (response?.ok || response?.status === 404) return;
    setRequested((current) => {
      const next = new Set(current);
      next.delete(id);
      return next;
    });
    setError(response ? await failure(response) : "Could not reach the server.");
  };

  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-baseline gap-3">
        <h1 className="text-xl font-semibold tracking-tight text-neutral-900 dark:text-neutral-50">Live streams</h1>
        <Link href="/usage" className="text-sm text-neutral-600 underline-offset-4 hover:underline dark:text-neutral-300">
          Usage
        </Link>
      </div>

      {error && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      )}
      {streams === null && !error && <p className="text-sm text-neutral-500">Loading…</p>}

      {streams !== null && (
        <>
          <p className="text-xs text-neutral-500" aria-live="polite" data-testid="live-count">
            {streams.length === 1 ? "1 answer streaming" : `${integer.format(streams.length)} answers streaming`}, updated every
            second while this page is visible.
          </p>
          {streams.length === 0 ? (
            <p
              data-testid="live-empty"
              className="rounded-xl border border-dashed border-neutral-300 p-6 text-center text-sm text-neutral-500 dark:border-neutral-700"
            >
              Nothing is streaming right now.
            </p>
          ) : (
            // Wider than a phone: the table scrolls sideways in its frame (focusable, so the keyboard can scroll it;
            // relative, so the visually hidden labels in it are clipped by it rather than widening the page).
            <div
              role="region"
              aria-label="Answers streaming right now"
              tabIndex={0}
              className="relative overflow-x-auto rounded-xl border border-neutral-200 dark:border-neutral-800"
            >
              <table className="w-full min-w-[44rem] text-left text-sm tabular-nums">
                <caption className="sr-only">Answers streaming right now</caption>
                <thead>
                  <tr className="text-xs text-neutral-500">
                    {["Chat", "Surface", "Model", "Elapsed", "Chunks", "Bytes", "Tokens", "Tokens/s"].map((column, index) => (
                      <th key={column} scope="col" className={`px-3 py-2 font-medium ${index > 2 ? "text-right" : ""}`}>
                        {column}
                      </th>
                    ))}
                    <th scope="col" className="px-3 py-2">
                      <span className="sr-only">Stop</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {streams.map((stream) => {
                    const chat = stream.chatId ? stream.chatId.slice(0, 8) : "—";
                    const stopping = stream.stopping || requested.has(stream.id);
                    return (
                      <tr
                        key={stream.id}
                        data-testid="live-stream"
                        data-chat-id={stream.chatId ?? ""}
                        className="border-t border-neutral-100 text-neutral-800 dark:border-neutral-800 dark:text-neutral-200"
                      >
                        <th scope="row" className="px-3 py-2 font-mono text-xs font-normal" title={stream.chatId ?? "The API has no chat"}>
                          {chat}
                        </th>
                        <td className="px-3 py-2">{SURFACE_LABELS[stream.surface]}</td>
                        <td className="max-w-48 truncate px-3 py-2" title={stream.model}>
                          {stream.model}
                        </td>
                        <td className="px-3 py-2 text-right">{elapsed(stream.elapsedMs)}</td>
                        <td className="px-3 py-2 text-right">{integer.format(stream.chunks)}</td>
                        <td className="px-3 py-2 text-right">{bytes(stream.bytes)}</td>
                        <td className="px-3 py-2 text-right" data-testid="live-tokens">
                          {integer.format(stream.tokens)}
                        </td>
                        <td className="px-3 py-2 text-right">{oneDecimal.format(stream.tokensPerSecond)}</td>
                        <td className="px-3 py-1.5 text-right">
                          <button
                            type="button"
                            data-testid="live-stop"
                            disabled={stopping}
                            onClick={() => void stop(stream.id)}
                            className="inline-flex h-8 items-center rounded-lg border border-neutral-300 px-3 text-sm font-medium whitespace-nowrap text-neutral-700 hover:bg-neutral-100 disabled:cursor-default disabled:border-transparent disabled:text-neutral-500 disabled:hover:bg-transparent dark:border-neutral-700 dark:text-neutral-200 dark:hover:bg-neutral-800 dark:disabled:border-transparent dark:disabled:text-neutral-400"
                          >
                            {stopping ? (
                              "Stopping…"
                            ) : (
                              <>
                                Stop<span className="sr-only"> the answer in {stream.chatId ? `chat ${chat}` : "the API"}</span>
                              </>
                            )}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
