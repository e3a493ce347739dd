/**
 * /usage/live's parts that need no worker: the registry of running answers (lib/metrics/live-core.ts, what the
 * LiveStreams Durable Object runs) on our clock, and an answer's meter (lib/metrics/live-meter.ts) reporting to it on
 * fake timers.
 */
import type { TextStreamPart, ToolSet } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { LIVE_SETTINGS, LiveStreamsCore, type LiveReply, type LiveReport } from "@/lib/metrics/live-core";
import { LiveMeter, utf8Length, type LiveMeterOptions } from "@/lib/metrics/live-meter";

function report(id: string, changes: Partial<LiveReport> = {}): LiveReport {
  return { id, chatId: `chat-${id}`, surface: "app", model: "demo:offline", startedAt: 0, chunks: 0, bytes: 0, tokens: 0, tokensPerSecond: 0, ...changes };
}

describe("the registry of running answers", () => {
  let now = 0;
  let core: LiveStreamsCore;
  beforeEach(() => {
    now = 1_000_000;
    core = new LiveStreamsCore(() => now);
  });

  it("lists what was reported, oldest first, with the time it has run, until it ends", () => {
    core.report(report("b", { startedAt: now - 500, tokens: 3 }));
    core.report(report("a", { startedAt: now - 2_000 }));
    core.report(report("b", { startedAt: now - 500, tokens: 7 }));
    now += 1_000;

    const listed = core.list();
    expect(listed.map((stream) => [stream.id, stream.elapsedMs, stream.tokens])).toEqual([
      ["a", 3_000, 0],
      ["b", 1_500, 7],
    ]);
    expect(listed[0]).toMatchObject({ chatId: "chat-a", surface: "app", model: "demo:offline", stopping: false });

    core.end("a");
    expect(core.list().map((stream) => stream.id)).toEqual(["b"]);
  });

  it("drops an answer not reported for expireMs (its worker died), and keeps one that reports", () => {
    core.report(report("dead"));
    core.report(report("alive"));
    for (let elapsed = 0; elapsed < LIVE_SETTINGS.expireMs; elapsed += LIVE_SETTINGS.idleReportMs) {
      now += LIVE_SETTINGS.idleReportMs;
      core.report(report("alive"));
    }
    expect(core.list().map((stream) => stream.id)).toEqual(["dead", "alive"]);
    now += 1;
    expect(core.list().map((stream) => stream.id)).toEqual(["alive"]);
    expect(core.stop("dead")).toBe(false);
  });

  it("says the owner is watching for watchMs after each read of the list", () => {
    expect(core.report(report("a"))).toEqual({ watched: false, stop: false });
    core.list();
    expect(core.report(report("a")).watched).toBe(true);
    now += LIVE_SETTINGS.watchMs - 1;
    expect(core.report(report("a")).watched).toBe(true);
    now += 1;
    expect(core.report(report("a")).watched).toBe(false);
  });

  it("carries the owner's Stop to the answer's next report, and shows it as stopping until it ends", () => {
    core.report(report("a"));
    core.report(report("b"));
    expect(core.stop("a")).toBe(true);
    expect(core.stop("unknown")).toBe(false);

    expect(core.list().map((stream) => [stream.id, stream.stopping])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    expect(core.report(report("a")).stop).toBe(true);
    expect(core.report(report("b")).stop).toBe(false);
    core.end("a");
    expect(core.list().map((stream) => stream.id)).toEqual(["b"]);
  });
});

describe("an answer's meter", () => {
  /** The registry behind the meter, and every report it was sent (when, and what). */
  let registry: LiveStreamsCore;
  let reports: { at: number; report: LiveReport }[];
  let onStop: Mock<() => void>;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    registry = new LiveStreamsCore();
    reports = [];
    onStop = vi.fn<() => void>();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Where the meter's reports go (the registry itself, or a slow or failing way to it). */
  type Target = { report(sent: LiveReport): LiveReply | Promise<LiveReply>; end(id: string): void };

  function meter(options: Partial<LiveMeterOptions> = {}, target: Target = registry) {
    return new LiveMeter(
      { chatId: "chat-1", surface: "app", model: () => "openai:gpt-fake", startedAt: Date.now(), onStop, ...options },
      Promise.resolve({
        report: async (sent: LiveReport): Promise<LiveReply> => {
          reports.push({ at: Date.now(), report: sent });
          return target.report(sent);
        },
        end: async (id: string) => target.end(id),
      }),
      () => {},
    );
  }

  const text = (delta: string) => ({ type: "text-delta", id: "t", text: delta }) as TextStreamPart<ToolSet>;
  const reasoning = (delta: string) => ({ type: "reasoning-delta", id: "r", text: delta }) as TextStreamPart<ToolSet>;
  const toolInput = (delta: string) => ({ type: "tool-input-delta", id: "c", delta }) as TextStreamPart<ToolSet>;
  const finishStep = (outputTokens: number | undefined) => ({ type: "finish-step", usage: { outputTokens } }) as TextStreamPart<ToolSet>;

  it("counts parts, the bytes of what the model wrote and its tokens: estimated, then the provider's per step", async () => {
    const live = meter();
    live.part({ type: "start-step" } as TextStreamPart<ToolSet>);
    live.part(reasoning("Let me think"));
    live.part(text("Héllo wörld ✓ "));
    live.part(text("🙂"));
    expect(live.snapshot()).toMatchObject({ chunks: 4, bytes: utf8Length("Let me thinkHéllo wörld ✓ 🙂"), tokens: Math.ceil(28 / 4) });
    expect(utf8Length("Héllo wörld ✓ 🙂")).toBe(new TextEncoder().encode("Héllo wörld ✓ 🙂").length);

    // The step's count from the provider replaces the estimate; the next step is estimated again.
    live.part(finishStep(42));
    live.part(toolInput('{"city":"Paris"}'));
    expect(live.snapshot()).toMatchObject({ chunks: 6, tokens: 42 + Math.ceil(16 / 4) });
    // A provider without a count: the step's estimate stays.
    live.part(finishStep(undefined));
    expect(live.snapshot().tokens).toBe(46);
    live.end();
    await vi.runOnlyPendingTimersAsync();
  });

  /** The owner's page reading the list every second for `seconds`, while the answer writes `tokens` (4 characters each) a second. */
  async function watch(seconds: number, write?: { meter: LiveMeter; tokens: number }) {
    for (let second = 0; second < seconds; second++) {
      registry.list();
      for (let token = 0; token < (write?.tokens ?? 0); token++) write!.meter.part(text("abcd"));
      await vi.advanceTimersByTimeAsync(1_000);
    }
  }

  it("reports tokens per second over the last few seconds, not since the start", async () => {
    const live = meter();
    await watch(8, { meter: live, tokens: 10 });
    expect(reports.at(-1)!.report.tokensPerSecond).toBe(10);
    await watch(8, { meter: live, tokens: 50 });
    expect(reports.at(-1)!.report.tokensPerSecond).toBe(50);
    live.end();
  });

  it("registers at once, reports every 10 s unwatched and every second while the owner watches, and leaves at its end", async () => {
    const live = meter();
    await vi.advanceTimersByTimeAsync(LIVE_SETTINGS.idleReportMs - 1);
    expect(reports.map((sent) => sent.at - 1_000_000)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reports).toHaveLength(2);
    // The owner opens the page (t = 10 s, reading it every second until 24 s): the meter learns it with its next
    // report (unwatched: up to 10 s later, 20 s), then reports every second until the last read is watchMs old (29 s),
    // then every 10 s again.
    await watch(15);
    await vi.advanceTimersByTimeAsync(30_000);
    const gaps = reports.slice(1).map((sent, index) => sent.at - reports[index].at);
    expect(gaps).toEqual([10_000, 10_000, ...Array(9).fill(1_000), 10_000, 10_000]);

    live.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(registry.list()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reports).toHaveLength(gaps.length + 1);
  });

  it("stops its answer when a reply carries the owner's Stop", async () => {
    const live = meter();
    await vi.advanceTimersByTimeAsync(0);
    registry.list();
    expect(registry.stop(live.id)).toBe(true);
    expect(onStop).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(LIVE_SETTINGS.idleReportMs);
    expect(onStop).toHaveBeenCalledOnce();
    live.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(registry.list()).toEqual([]);
  });

  it("sends its end after a report still on its way, so the answer is not listed again", async () => {
    let release!: () => void;
    const slow = {
      report: async (sent: LiveReport) => {
        await new Promise<void>((resolve) => (release = resolve));
        return registry.report(sent);
      },
      end: (id: string) => registry.end(id),
    };
    const live = meter({}, slow);
    live.end();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(registry.list()).toEqual([]);
  });

  it("a registry that fails is only logged: the meter goes on counting and reporting", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    let failures = 1;
    const flaky = {
      report: (sent: LiveReport) => {
        if (failures-- > 0) throw new Error("registry down");
        return registry.report(sent);
      },
      end: (id: string) => registry.end(id),
    };
    const live = meter({}, flaky);
    live.part(text("abcd"));
    await vi.advanceTimersByTimeAsync(LIVE_SETTINGS.idleReportMs);
    expect(error).toHaveBeenCalledWith("live streams: a report failed:", expect.any(Error));
    expect(registry.list()).toMatchObject([{ id: live.id, tokens: 1 }]);
    live.end();
    await vi.advanceTimersByTimeAsync(0);
    error.mockRestore();
  });
});
