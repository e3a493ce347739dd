/**
 * A fake Cloudflare Workers AI REST API on 127.0.0.1: `POST /client/v4/accounts/:account/ai/run/:model`.
 * Point the app at it with WORKERS_AI_BASE_URL=<fake.baseURL> (it replaces https://api.cloudflare.com/client/v4).
 *
 * SSE shapes are the ones `workers-ai-provider` parses (src/streaming.ts): the native form
 * `{"response":"…","tool_calls":[…]}` and the OpenAI-style form `{"choices":[{"delta":{…}}]}`, a final chunk with
 * `usage`, then `data: [DONE]`.
 */
import { ReplyQueue, startFakeServer, type FakeServerCore, type Script, type SseEvent } from "./http-fake";

export type WorkersAIFormat = "native" | "openai";
export type WorkersAIUsage = { prompt_tokens: number; completion_tokens: number };

export type WorkersAIReply =
  | {
      type: "text";
      deltas: string[];
      usage?: WorkersAIUsage;
      format?: WorkersAIFormat;
      delayMs?: number;
      /** Destroy the socket after this many deltas. */
      dropAfterDeltas?: number;
      /** Go silent, connection open, after this many deltas (0: before the first). */
      stallAfterDeltas?: number;
      /** End the response normally right after the deltas: no usage chunk, no finish reason, no [DONE]. */
      truncated?: boolean;
    }
  | { type: "tool-call"; toolName: string; argChunks: string[]; id?: string; format?: WorkersAIFormat; usage?: WorkersAIUsage }
  /** Several tool calls in one step (parallel tool calls), one after the other, each at its own index. */
  | {
      type: "tool-calls";
      calls: { toolName: string; argChunks: string[]; id?: string }[];
      format?: WorkersAIFormat;
      usage?: WorkersAIUsage;
    }
  | { type: "error"; status: number; errors?: { code: number; message: string }[]; retryAfterMs?: number };

export type RunRequest = { account: string; model: string };

export type FakeWorkersAI = FakeServerCore & {
  /** Value for WORKERS_AI_BASE_URL. */
  baseURL: string;
  /** Account and model of each request, in order. */
  runs: RunRequest[];
  reply(...replies: WorkersAIReply[]): void;
  replyAlways(reply: WorkersAIReply): void;
};

const RUN_PATH = /^\/client\/v4\/accounts\/([^/]+)\/ai\/run\/(.+?)(?:\?.*)?$/;

export async function startFakeWorkersAI(): Promise<FakeWorkersAI> {
  const queue = new ReplyQueue<WorkersAIReply>();
  const runs: RunRequest[] = [];
  const core = await startFakeServer((request) => {
    const match = request.method === "POST" ? RUN_PATH.exec(request.path) : null;
    if (!match) {
      return cfError(404, [{ code: 7003, message: "Could not route to the requested path." }]);
    }
    runs.push({ account: decodeURIComponent(match[1]), model: decodeURIComponent(match[2]) });
    const reply = queue.next();
    if (!reply) return cfError(400, [{ code: 5006, message: "fake-workers-ai: no scripted reply left" }]);
    return script(reply);
  });
  return {
    ...core,
    requests: core.requests,
    get connectionsClosedEarly() {
      return core.connectionsClosedEarly;
    },
    baseURL: `${core.url}/client/v4`,
    runs,
    reply: (...replies) => queue.reply(...replies),
    replyAlways: (reply) => queue.replyAlways(reply),
  };
}

function cfError(status: number, errors: { code: number; message: string }[], retryAfterMs?: number): Script {
  return {
    kind: "json",
    status,
    headers: retryAfterMs === undefined ? undefined : { "retry-after-ms": String(retryAfterMs) },
    body: { success: false, errors, messages: [], result: null },
  };
}

function script(reply: WorkersAIReply): Script {
  if (reply.type === "error") {
    const errors =
      reply.errors ??
      (reply.status === 401
        ? [{ code: 10000, message: "Authentication error" }]
        : [{ code: 3040, message: "Capacity temporarily exceeded, please try again." }]);
    return cfError(reply.status, errors, reply.retryAfterMs ?? 1);
  }

  const format = reply.format ?? "native";
  const data = (value: unknown): SseEvent => ({ data: JSON.stringify(value) });
  const usageOf = (usage: WorkersAIUsage) => ({ ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens });
  const openAIChunk = (delta: Record<string, unknown>, finishReason: string | null = null, usage?: WorkersAIUsage) => ({
    id: "chatcmpl-fake-wai",
    object: "chat.completion.chunk",
    created: 1770933892,
    model: "@cf/fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: usageOf(usage) } : {}),
  });

  const events: SseEvent[] = [];
  let dropAfter: number | undefined;
  let stallAfter: number | undefined;
  if (reply.type === "text") {
    const usage = reply.usage ?? { prompt_tokens: 17, completion_tokens: reply.deltas.length };
    reply.deltas.forEach((delta, i) => {
      if (reply.stallAfterDeltas === i) stallAfter = events.length;
      events.push(format === "native" ? data({ response: delta, p: "abcdefgh" }) : data(openAIChunk({ role: "assistant", content: delta })));
      if (reply.dropAfterDeltas === i + 1) dropAfter = events.length;
    });
    if (reply.truncated) return { kind: "sse", events, stallAfter, delayMs: reply.delayMs };
    events.push(
      format === "native" ? data({ response: "", usage: usageOf(usage) }) : data(openAIChunk({}, "stop", usage)),
    );
  } else {
    const usage = reply.usage ?? { prompt_tokens: 120, completion_tokens: 14 };
    const calls =
      reply.type === "tool-call"
        ? [{ toolName: reply.toolName, argChunks: reply.argChunks, id: reply.id ?? "chatcmpl-tool-fake1" }]
        : reply.calls.map((call, i) => ({ ...call, id: call.id ?? `chatcmpl-tool-fake${i + 1}` }));
    calls.forEach(({ toolName, argChunks, id }, index) => {
      if (format === "native") {
        // The start chunk names the function; arguments follow in pieces; a null chunk finalises the call.
        events.push(data({ response: "", tool_calls: [{ id, type: "function", index, function: { name: toolName } }] }));
        for (const piece of argChunks) {
          events.push(data({ response: "", tool_calls: [{ index, function: { arguments: piece } }] }));
        }
        events.push(data({ response: "", tool_calls: [{ id: null, type: null, index, function: { name: null, arguments: null } }] }));
      } else {
        const opening = index === 0 ? { role: "assistant", content: null } : {};
        events.push(
          data(openAIChunk({ ...opening, tool_calls: [{ index, id, type: "function", function: { name: toolName, arguments: "" } }] })),
        );
        for (const piece of argChunks) {
          events.push(data(openAIChunk({ tool_calls: [{ index, function: { arguments: piece } }] })));
        }
      }
    });
    events.push(format === "native" ? data({ response: "", usage: usageOf(usage) }) : data(openAIChunk({}, "tool_calls", usage)));
  }
  events.push({ data: "[DONE]" });
  return { kind: "sse", events, dropAfter, stallAfter, delayMs: reply.type === "text" ? reply.delayMs : undefined };
}
