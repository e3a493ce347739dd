/**
 * The answers streaming right now (/usage/live): what the LiveStreams Durable Object holds (one per deployment,
 * lib/metrics/live-object.ts), free of workerd APIs so it also runs in Node (next dev, vitest: lib/metrics/live-streams.ts
 * keeps one in memory there). Each running answer's meter (lib/metrics/live-meter.ts) reports its counters here; the
 * reply tells it whether the owner is watching (report often) and whether the owner pressed Stop.
 * Memory only: live state is worth nothing after a restart, and an entry not reported for a while is dropped, so an
 * answer whose worker died mid-answer leaves the list by itself.
 */
import type { Surface } from "./usage-report";

export const LIVE_SETTINGS = {
  /** A meter reports this often while the owner watches /usage/live, */
  watchedReportMs: 1_000,
  /** and this often otherwise (on top of its first report and its end): nobody looks, so it costs little. */
  idleReportMs: 10_000,
  /** The owner counts as watching for this long after each read of the list (the page reads it every second). */
  watchMs: 5_000,
  /** An entry not reported for this long is dropped: three idle reports missed, so its worker is gone. */
  expireMs: 30_000,
  /** Tokens per second are measured over about this long. */
  rateWindowMs: 5_000,
};

/** What a running answer's meter reports: who it is and its counters so far. */
export type LiveReport = {
  id: string;
  /** The chat (app and widget answers); null for the API, which has none. */
  chatId: string | null;
  surface: Surface;
  /** The model answering (a fallback's, once it answers). */
  model: string;
  /** When the answer started (epoch ms). */
  startedAt: number;
  /** Parts of the model's stream. */
  chunks: number;
  /** UTF-8 bytes of the text, reasoning and tool input the model wrote. */
  bytes: number;
  /** Output tokens: the provider's count for finished steps, an estimate from the text for the running one. */
  tokens: number;
  tokensPerSecond: number;
};

/** The registry's answer to a report. */
export type LiveReply = { watched: boolean; stop: boolean };

/** A running answer as /usage/live lists it (GET /api/usage/live). */
export type LiveStream = LiveReport & { elapsedMs: number; stopping: boolean };
export type LiveStreamsResponse = { streams: LiveStream[] };

type Entry = { report: LiveReport; reportedAt: number; stop: boolean };

export class LiveStreamsCore {
  private readonly entries = new Map<string, Entry>();
  private watchedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A meter's report (its first one registers the answer). */
  report(report: LiveReport): LiveReply {
    const now = this.now();
    this.expire(now);
    const stop = this.entries.get(report.id)?.stop ?? false;
    this.entries.set(report.id, { report, reportedAt: now, stop });
    return { watched: now < this.watchedUntil, stop };
  }

  /** The answer ended. */
  end(id: string): void {
    this.entries.delete(id);
  }

  /** The running answers, oldest first; reading them marks the owner as watching. */
  list(): LiveStream[] {
    const now = this.now();
    this.expire(now);
    this.watchedUntil = now + LIVE_SETTINGS.watchMs;
    return [...this.entries.values()]
      .sort((a, b) => a.report.startedAt - b.report.startedAt)
      .map(({ report, stop }) => ({ ...report, elapsedMs: Math.max(0, now - report.startedAt), stopping: stop }));
  }

  /** The owner's Stop: the answer's meter learns it from its next report's reply. False: no such answer running. */
  stop(id: string): boolean {
    this.expire(this.now());
    const entry = this.entries.get(id);
    if (entry) entry.stop = true;
    return entry !== undefined;
  }

  private expire(now: number): void {
    for (const [id, entry] of this.entries) if (now - entry.reportedAt > LIVE_SETTINGS.expireMs) this.entries.delete(id);
  }
}
