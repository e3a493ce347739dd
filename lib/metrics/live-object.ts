/**
 * LiveStreams: the Durable Object that knows which answers are streaming right now (wrangler.toml LIVE_STREAMS; one per
 * deployment, named LIVE_STREAMS_NAME). Its logic is lib/metrics/live-core.ts; it keeps it in memory only (no storage
 * writes). Reached through lib/metrics/live-streams.ts; exported by the worker entry (lib/worker.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { LiveStreamsCore, type LiveReply, type LiveReport, type LiveStream } from "./live-core";

export class LiveStreams extends DurableObject<CloudflareEnv> {
  private readonly core = new LiveStreamsCore();

  report(report: LiveReport): LiveReply {
    return this.core.report(report);
  }

  end(id: string): void {
    this.core.end(id);
  }

  list(): LiveStream[] {
    return this.core.list();
  }

  stop(id: string): boolean {
    return this.core.stop(id);
  }
}
