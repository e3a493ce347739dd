/**
 * The fake OpenAI upstream for the end-to-end run: `tests/support/fake-openai.ts` (the vitest suite's fake) behind a
 * small router on a fixed port, so the worker can be started with OPENAI_BASE_URL before any test runs.
 *
 * The router reads each request's last user message and queues the fake's reply for it:
 * - any prompt: FAKE_ANSWER, streamed in small deltas;
 * - a prompt containing FAIL_ONCE_MARKER: HTTP 500 for its first attempt (FAIL_ONCE_REQUESTS requests, the AI SDK's
 *   automatic retries included), then the answer;
 * - a prompt containing FAIL_ALWAYS_MARKER: HTTP 500, every time;
 * - a prompt containing SLOW_MARKER: a long answer at a slow pace (for Stop);
 * - a prompt containing HOSTILE_MARKER: HOSTILE_MARKDOWN (for the rendering-safety tests);
 * - a prompt containing DROP_MARKER: the connection drops after a few deltas;
 * - a prompt containing TOOL_CALL_MARKER: a call of the caller's `get_weather`, then an answer from its result.
 * Requests are forwarded one at a time until the fake has answered their headers, so each takes its own reply from
 * the fake's FIFO queue even when two tests run at once.
 *
 * It also stands in for Open-Meteo (both hosts), so the worker can run with WEATHER_API_BASE_URL set to it:
 * GET /v1/search and GET /v1/forecast answer as the real API does, with fixed data for Paris, London and Tokyo
 * (tests/support/fake-open-meteo.ts); any other place gets the real API's empty answer (no `results`).
 *
 * Control endpoints (for the specs): GET /__e2e/health, GET /__e2e/log?contains=<text>, GET /__e2e/weather-log.
 * Started by tests/e2e/global-setup.ts inside the Playwright runner (which compiles TypeScript).
 */
import { createServer, request as forwardRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { openMeteoAnswer } from "./fake-open-meteo";
import { startFakeOpenAI, type OpenAIReply } from "./fake-openai";
import {
  E2E_HOST,
  FAIL_ALWAYS_MARKER,
  FAIL_ONCE_MARKER,
  FAIL_ONCE_REQUESTS,
  FAKE_ANSWER_DELTAS,
  FAKE_DELTA_DELAY_MS,
  HOSTILE_DELTAS,
  HOSTILE_MARKER,
  SLOW_MARKER,
  AFTER_TOOL_ANSWER,
  DROP_AFTER_DELTAS,
  DROP_MARKER,
  TOOL_CALL_ARG_CHUNKS,
  TOOL_CALL_MARKER,
  type UpstreamLogEntry,
} from "./e2e-env";

export type E2EUpstream = { url: string; close(): Promise<void> };

const MODEL_PATHS = new Set(["/v1/chat/completions", "/v1/responses"]);

type ContentPart = { type?: string; text?: string };
type PromptMessage = { role?: string; content?: string | ContentPart[] };

/** The text of the last user message of a Chat Completions (`messages`) or Responses (`input`) request body. */
export function lastUserPrompt(body: unknown): string {
  const record = (body ?? {}) as { messages?: unknown; input?: unknown };
  const messages = Array.isArray(record.messages) ? record.messages : Array.isArray(record.input) ? record.input : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as PromptMessage;
    if (message?.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) return message.content.map((part) => part.text ?? "").join(" ");
  }
  return "";
}

function slowAnswer(): string[] {
  return Array.from({ length: 400 }, (_, i) => (i % 20 === 19 ? `word${i + 1}.\n\n` : `word${i + 1} `));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

export async function startE2EUpstream({ port, host = E2E_HOST }: { port: number; host?: string }): Promise<E2EUpstream> {
  const fake = await startFakeOpenAI();
  const target = new URL(fake.url);
  const failuresByPrompt = new Map<string, number>();
  const log: UpstreamLogEntry[] = [];
  /** Open-Meteo requests (path with query, status), in order. */
  const weatherLog: { path: string; status: number }[] = [];
  /** Resolves when the previous model request has got its headers from the fake (its reply was dequeued). */
  let previousDispatched: Promise<void> = Promise.resolve();

  function replyFor(prompt: string, hasToolResult: boolean): OpenAIReply {
    if (prompt.includes(TOOL_CALL_MARKER)) {
      return hasToolResult
        ? { type: "text", deltas: AFTER_TOOL_ANSWER }
        : { type: "tool-call", toolName: "get_weather", argChunks: TOOL_CALL_ARG_CHUNKS };
    }
    if (prompt.includes(FAIL_ONCE_MARKER)) {
      const failures = failuresByPrompt.get(prompt) ?? 0;
      if (failures < FAIL_ONCE_REQUESTS) {
        failuresByPrompt.set(prompt, failures + 1);
        return { type: "error", status: 500, retryAfterMs: 0 };
      }
    }
    if (prompt.includes(FAIL_ALWAYS_MARKER)) return { type: "error", status: 500, retryAfterMs: 0 };
    if (prompt.includes(DROP_MARKER)) return { type: "text", deltas: FAKE_ANSWER_DELTAS, dropAfterDeltas: DROP_AFTER_DELTAS };
    if (prompt.includes(HOSTILE_MARKER)) return { type: "text", deltas: HOSTILE_DELTAS, delayMs: 5 };
    if (prompt.includes(SLOW_MARKER)) return { type: "text", deltas: slowAnswer(), delayMs: 30 };
    return { type: "text", deltas: FAKE_ANSWER_DELTAS, delayMs: FAKE_DELTA_DELAY_MS };
  }

  function control(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/__e2e/health") return sendJson(res, 200, { ok: true, requests: log.length });
    if (url.pathname === "/__e2e/log") {
      const contains = url.searchParams.get("contains") ?? "";
      return sendJson(res, 200, log.filter((entry) => entry.prompt.includes(contains)));
    }
    if (url.pathname === "/__e2e/weather-log") return sendJson(res, 200, weatherLog);
    sendJson(res, 404, { error: { message: `Unknown control path ${url.pathname}` } });
  }

  /** Forwards one request to the fake; resolves once the fake's response headers arrived (or it failed). */
  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, entry: UpstreamLogEntry | undefined, reply?: OpenAIReply) {
    return new Promise<void>((dispatched) => {
      if (reply) fake.reply(reply);
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      const upstream = forwardRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (answer) => {
          dispatched();
          if (entry) entry.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders();
          answer.pipe(res);
          // The fake dropped the connection mid-answer: drop the worker's too (piping alone would leave it open).
          answer.on("close", () => {
            if (!answer.complete) res.destroy();
          });
        },
      );
      upstream.on("error", (error) => {
        dispatched();
        if (!res.headersSent) sendJson(res, 502, { error: { message: `e2e upstream router: ${error.message}` } });
        else res.destroy();
      });
      // The worker went away (Stop, or a disconnect): pass the abort on to the fake.
      res.on("close", () => {
        if (!res.writableFinished) {
          if (entry) entry.closedEarly = true;
          upstream.destroy();
        }
      });
      upstream.end(body);
    });
  }

  const server = createServer(async (req, res) => {
    if (req.url?.startsWith("/__e2e/")) return control(req, res);
    const body = await readBody(req);
    const weather = openMeteoAnswer(req.method ?? "GET", req.url ?? "/");
    if (weather) {
      weatherLog.push({ path: req.url ?? "", status: weather.status });
      return sendJson(res, weather.status, weather.body);
    }
    const isModelCall = req.method === "POST" && MODEL_PATHS.has(new URL(req.url ?? "/", "http://fake").pathname);
    if (!isModelCall) {
      // Not a model call: the fake answers it (404) without taking a queued reply.
      await forward(req, res, body, undefined);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      json = undefined;
    }
    const prompt = lastUserPrompt(json);
    const entry: UpstreamLogEntry = {
      index: log.length,
      path: req.url ?? "",
      model: (json as { model?: string } | undefined)?.model,
      prompt,
      authorization: req.headers.authorization,
      status: 0,
      closedEarly: false,
    };
    log.push(entry);
    const hasToolResult = ((json as { messages?: { role?: string }[] } | undefined)?.messages ?? []).some((message) => message.role === "tool");
    const turn = previousDispatched.then(() => forward(req, res, body, entry, replyFor(prompt, hasToolResult)));
    previousDispatched = turn;
    await turn;
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (error) => {
    await fake.close();
    throw error;
  });

  return {
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
    },
  };
}
