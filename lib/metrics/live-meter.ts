import "server-only";
import type { TextStreamPart, ToolSet } from "ai";
import { CHARS_PER_TOKEN } from "@/lib/chat/limits";
import { waitUntilOfThisRequest } from "@/lib/chat/session";
import { LIVE_SETTINGS, type LiveReport } from "./live-core";
import { liveStreams, type LiveStreamsHandle } from "./live-streams";

/**
 * One streaming answer's meter for /usage/live (lib/metrics/live-core.ts). The code that reads the model's stream hands
 * it every part (`part`: counters only, as it runs per token); the meter reports to the registry by itself: at once
 * (that registers the answer), then on a timer (every second while the owner watches, every 10 s otherwise) and at
 * `end`. Reports go one after the other (an end never overtakes a report, which would list the answer again), are
 * never awaited by the answer and only log their failures. A reply with `stop` (the owner's Stop) calls `onStop`.
 */

export type LiveMeterOptions = {
  /** The chat (app and widget answers); null for the API. */
  chatId: string | null;
  surface: LiveReport["surface"];
  /** The model answering, read at each report (a fallback's once it answers). */
  model: () => string;
  startedAt: number;
  /** Stops the answer: the owner pressed Stop on /usage/live. */
  onStop: () => void;
};

type Registry = Pick<LiveStreamsHandle, "report" | "end">;

export class LiveMeter {
  readonly id = crypto.randomUUID();
  private chunks = 0;
  private bytes = 0;
  /** Output tokens of the finished steps (the provider's count), and the characters of the running step. */
  private stepTokens = 0;
  private stepChars = 0;
  /** Token counts at the latest reports, for the current rate. */
  private samples: { at: number; tokens: number }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    private readonly options: LiveMeterOptions,
    private readonly registry: Promise<Registry>,
    private readonly keepAlive: (task: Promise<unknown>) => void,
  ) {
    this.send();
  }

  /** A part of the model's stream. */
  part(part: TextStreamPart<ToolSet>): void {
    this.chunks++;
    if (part.type === "text-delta" || part.type === "reasoning-delta") this.count(part.text);
    else if (part.type === "tool-input-delta") this.count(part.delta);
    else if (part.type === "finish-step") {
      this.stepTokens += part.usage.outputTokens ?? this.estimate();
      this.stepChars = 0;
    }
  }

  /** The answer ended, however: it leaves the list. Once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.enqueue((registry) => registry.end(this.id));
  }

  /** What the next report says. */
  snapshot(now = Date.now()): LiveReport {
    const tokens = this.stepTokens + this.estimate();
    return {
      id: this.id,
      chatId: this.options.chatId,
      surface: this.options.surface,
      model: this.options.model(),
      startedAt: this.options.startedAt,
      chunks: this.chunks,
      bytes: this.bytes,
      tokens,
      tokensPerSecond: this.rate(now, tokens),
    };
  }

  private count(text: string): void {
    this.stepChars += text.length;
    this.bytes += utf8Length(text);
  }

  private estimate(): number {
    return Math.ceil(this.stepChars / CHARS_PER_TOKEN);
  }

  /** Tokens per second since the oldest sample within the window (or the newest one before it). */
  private rate(now: number, tokens: number): number {
    this.samples.push({ at: now, tokens });
    while (this.samples.length > 2 && now - this.samples[1].at >= LIVE_SETTINGS.rateWindowMs) this.samples.shift();
    const first = this.samples[0];
    if (now <= first.at) return 0;
    return Math.round(((tokens - first.tokens) * 10_000) / (now - first.at)) / 10;
  }

  private send(): void {
    this.enqueue(async (registry) => {
      let watched = false;
      try {
        const reply = await registry.report(this.snapshot());
        watched = reply.watched;
        if (reply.stop && !this.ended) this.options.onStop();
      } finally {
        if (!this.ended) this.timer = setTimeout(() => this.send(), watched ? LIVE_SETTINGS.watchedReportMs : LIVE_SETTINGS.idleReportMs);
      }
    });
  }

  private enqueue(task: (registry: Registry) => Promise<void>): void {
    const run = this.queue.then(async () => task(await this.registry)).catch((error: unknown) => console.error("live streams: a report failed:", error));
    this.queue = run;
    this.keepAlive(run);
  }
}

/** UTF-8 length without encoding (no allocation per token): 1 byte below U+0080, 2 below U+0800, 4 per surrogate pair, else 3. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) bytes += 1;
    else if (code >= 0x800) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

/** A meter for an answer starting now, reporting to this deployment's registry. */
export function meterAnswer(options: LiveMeterOptions): LiveMeter {
  return new LiveMeter(options, liveStreams(), waitUntilOfThisRequest());
}
