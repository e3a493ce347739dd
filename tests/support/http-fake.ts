/**
 * The HTTP core shared by the fake upstreams: a real `node:http` server on 127.0.0.1 with an ephemeral port,
 * a per-test reply queue, recorded requests, and a way to see when the client's connection went away.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type RecordedRequest = {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (undefined when it is not JSON); loosely typed so tests can dig into upstream payloads. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  rawBody: string;
  /** Resolves when the response is over: either it ended normally or the connection closed under it. */
  closed: Promise<ClosedInfo>;
};

export type ClosedInfo = {
  /** performance.now() when the server saw the close. */
  at: number;
  /** True when the connection closed before the server had finished its response (a client abort or a drop). */
  beforeEnd: boolean;
};

export type SseEvent = { event?: string; data: string };

/** What the server does with one request. */
export type Script =
  | {
      kind: "sse";
      events: SseEvent[];
      /** Pause before each event after the first; keeps the stream "slow" for abort tests. */
      delayMs?: number;
      /** Send this many events, then destroy the socket (a connection dropped mid-stream). */
      dropAfter?: number;
      /** Send this many events, then go silent with the connection open (a stalled upstream) until the client leaves. */
      stallAfter?: number;
      headers?: Record<string, string>;
    }
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  /** A body sent byte for byte (malformed JSON, HTML error pages). */
  | { kind: "raw"; status: number; body: string; headers?: Record<string, string> }
  /**
   * Never answers: no headers at all, or (afterHeaders) a 200 with the start of a body and then silence. The request
   * stays open until the client gives up (its `closed` then resolves with beforeEnd) or the server closes.
   */
  | { kind: "hang"; afterHeaders?: { contentType: string; partialBody: string } };

export type FakeServerCore = {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose connection closed before the response was complete. */
  readonly connectionsClosedEarly: number;
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a server whose reply to each request comes from `route`. */
export async function startFakeServer(route: (request: RecordedRequest) => Script): Promise<FakeServerCore> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let closedEarly = 0;
  let stopping = false;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }

    let resolveClosed!: (info: ClosedInfo) => void;
    const closed = new Promise<ClosedInfo>((resolve) => (resolveClosed = resolve));
    res.once("close", () => {
      const beforeEnd = !res.writableFinished;
      if (beforeEnd) closedEarly++;
      resolveClosed({ at: performance.now(), beforeEnd });
    });

    const recorded: RecordedRequest = {
      index: requests.length,
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      rawBody,
      closed,
    };
    requests.push(recorded);

    let script: Script;
    try {
      script = route(recorded);
    } catch (error) {
      script = { kind: "json", status: 400, body: { error: { message: `fake server: ${String(error)}` } } };
    }
    await play(script, res);
  });

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  async function play(script: Script, res: ServerResponse) {
    if (script.kind === "json") {
      res.writeHead(script.status, { "content-type": "application/json", ...script.headers });
      res.end(JSON.stringify(script.body));
      return;
    }
    if (script.kind === "raw") {
      res.writeHead(script.status, { "content-type": "application/json", ...script.headers });
      res.end(script.body);
      return;
    }
    if (script.kind === "hang") {
      if (script.afterHeaders) {
        res.writeHead(200, { "content-type": script.afterHeaders.contentType });
        res.write(script.afterHeaders.partialBody);
      }
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...script.headers,
    });
    res.flushHeaders();
    for (let i = 0; i < script.events.length; i++) {
      if (stopping || res.destroyed) return;
      if (script.dropAfter !== undefined && i === script.dropAfter) {
        // Let the bytes already written reach the client, then cut the connection without ending the response.
        await sleep(50);
        res.socket?.destroy();
        return;
      }
      if (i === script.stallAfter) {
        await new Promise((resolve) => res.once("close", resolve));
        return;
      }
      if (i > 0 && script.delayMs) await sleep(script.delayMs);
      if (stopping || res.destroyed) return;
      const { event, data } = script.events[i];
      await new Promise<void>((resolve) =>
        res.write(`${event ? `event: ${event}\n` : ""}data: ${data}\n\n`, () => resolve()),
      );
    }
    if (script.dropAfter !== undefined && script.dropAfter >= script.events.length) {
      await sleep(50);
      res.socket?.destroy();
      return;
    }
    if (!res.destroyed) res.end();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connectionsClosedEarly() {
      return closedEarly;
    },
    async close() {
      stopping = true;
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A queue of replies for one fake: `reply()` queues one answer, `replyAlways()` sets the answer used once the queue
 * is empty. With neither, the fake answers 400 so a missing script fails the test visibly (400 is not retried).
 */
export class ReplyQueue<R> {
  private queue: R[] = [];
  private fallback: R | undefined;

  reply(...replies: R[]): void {
    this.queue.push(...replies);
  }

  replyAlways(reply: R): void {
    this.fallback = reply;
  }

  next(): R | undefined {
    return this.queue.shift() ?? this.fallback;
  }

  reset(): void {
    this.queue = [];
    this.fallback = undefined;
  }
}

/** Splits a string into pieces of 1, 2, 3, 1, 2, 3… characters: arguments as tiny stream chunks. */
export function tinyChunks(text: string): string[] {
  const pieces: string[] = [];
  let size = 1;
  for (let i = 0; i < text.length; i += size, size = (size % 3) + 1) {
    pieces.push(text.slice(i, i + size));
  }
  return pieces;
}
