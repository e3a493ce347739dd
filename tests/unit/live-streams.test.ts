/**
 * /usage/live's parts that need no worker: the registry of running answers (lib/metrics/live-core.ts, what the
 * LiveStreams Durable Object runs) on our clock.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { LIVE_SETTINGS, LiveStreamsCore, type LiveReport } from "@/lib/metrics/live-core";

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
