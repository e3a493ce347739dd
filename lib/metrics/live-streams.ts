import "server-only";
import { z } from "zod";
import { objectNamespace } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import { refuseCrossSite, requireOwner } from "@/lib/security/owner";
import { LiveStreamsCore, type LiveReply, type LiveReport, type LiveStream, type LiveStreamsResponse } from "./live-core";

/**
 * The routes' and the meters' side of the live streams registry (lib/metrics/live-core.ts), and the owner's routes.
 * In the worker the registry is the one LiveStreams Durable Object; where there are no objects (next dev, vitest) the
 * same core runs in this process's memory, which is where that process's answers run too.
 */
export type LiveStreamsHandle = {
  report(report: LiveReport): Promise<LiveReply>;
  end(id: string): Promise<void>;
  list(): Promise<LiveStream[]>;
  stop(id: string): Promise<boolean>;
};

/** The one registry object of the deployment. */
const LIVE_STREAMS_NAME = "global";

/** Kept on globalThis: next dev reloads modules on every change. */
const local = ((globalThis as { __edgeChatLiveStreams?: LiveStreamsCore }).__edgeChatLiveStreams ??= new LiveStreamsCore());

export async function liveStreams(): Promise<LiveStreamsHandle> {
  const objects = await objectNamespace("LIVE_STREAMS");
  if (!objects) {
    return {
      report: async (report) => local.report(report),
      end: async (id) => local.end(id),
      list: async () => local.list(),
      stop: async (id) => local.stop(id),
    };
  }
  const stub = objects.getByName(LIVE_STREAMS_NAME);
  return {
    report: (report) => stub.report(report),
    end: (id) => stub.end(id),
    list: () => stub.list(),
    stop: (id) => stub.stop(id),
  };
}

const noStore = { "cache-control": "no-store" };

/** GET /api/usage/live: the answers streaming right now, for the owner only (404 to anyone else). */
export async function getLiveStreams(request: Request): Promise<Response> {
  try {
    await requireOwner(request);
    const body: LiveStreamsResponse = { streams: await (await liveStreams()).list() };
    return Response.json(body, { headers: noStore });
  } catch (error) {
    return errorResponse(error);
  }
}

const streamId = z.uuid();

/** POST /api/usage/live/[id]/stop: the owner's Stop, from this site; the answer ends within a report interval. 404: not running. */
export async function stopLiveStream(request: Request, id: string): Promise<Response> {
  try {
    await requireOwner(request);
    refuseCrossSite(request);
    const parsed = streamId.safeParse(id);
    if (!parsed.success) throw new AppError("bad_request:stream", "That is not the id of a stream.");
    if (!(await (await liveStreams()).stop(parsed.data))) throw new AppError("not_found:stream", "This answer is no longer streaming.");
    return Response.json({ stopping: true }, { headers: noStore });
  } catch (error) {
    return errorResponse(error);
  }
}
