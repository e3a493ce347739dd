/**
 * A fake OpenAI API on 127.0.0.1: `POST /v1/chat/completions` (Chat Completions SSE) and `POST /v1/responses`
 * (Responses SSE with `event:` lines). Wire shapes follow the zod chunk schemas in `@ai-sdk/openai`
 * (src/chat/openai-chat-api.ts, src/responses/openai-responses-api.ts) and the recorded fixtures.
 *
 * Each test scripts the replies: `fake.reply(...)` queues one reply per upstream request (the route's tool loop
 * makes one request per step), `fake.replyAlways(...)` answers every request once the queue is empty.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ReplyQueue, startFakeServer, type FakeServerCore, type RecordedRequest, type Script, type SseEvent } from "./http-fake";

export type Usage = { input: number; output: number };

export type OpenAIReply =
  | {
      type: "text";
      deltas: string[];
      usage?: Usage;
      /** Pause between SSE events (a slow stream). */
      delayMs?: number;
      /** Destroy the socket after this many text deltas. */
      dropAfterDeltas?: number;
      /** Go silent, connection open, after this many text deltas (0: before the first). */
      stallAfterDeltas?: number;
    }
  | { type: "tool-call"; toolName: string; argChunks: string[]; callId?: string; usage?: Usage }
  | {
      /** Several tool calls in one step (parallel tool calls). */
      type: "tool-calls";
      calls: ToolCallSpec[];
      /** Chat Completions only: send the calls' argument chunks round-robin instead of one call after the other. */
      interleave?: boolean;
      usage?: Usage;
    }
  | {
      type: "replay";
      /** A file name under tests/fixtures/recorded/. */
      file: string;
      /** Optional rewrite of each recorded line before it is sent. */
      transform?: (line: string) => string;
    }
  | {
      type: "error";
      status: number;
      message?: string;
      code?: string;
      errorType?: string;
      /** Sent as `retry-after-ms` so the app's retry (lib/ai/fallback.ts) does not wait a second. Default 1. */
      retryAfterMs?: number;
      /** Sent as `Retry-After` (seconds or an HTTP date) instead of `retry-after-ms`. */
      retryAfter?: string;
    };

export type ToolCallSpec = { toolName: string; argChunks: string[]; callId?: string };

/** A single `tool-call` reply is a `tool-calls` reply with one call. */
function toolCallsOf(reply: Extract<OpenAIReply, { type: "tool-call" | "tool-calls" }>): ToolCallSpec[] {
  const calls = reply.type === "tool-call" ? [reply] : reply.calls;
  return calls.map((call, i) => ({ ...call, callId: call.callId ?? `call_fake_${i + 1}` }));
}

/** Round-robin over several lists: a1 b1 a2 b2 b3 … */
function interleaved<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((list) => i < list.length); i++) {
    for (const list of lists) if (i < list.length) out.push(list[i]);
  }
  return out;
}

export type FakeOpenAI = FakeServerCore & {
  /** Base URL to put in OPENAI_BASE_URL (ends in /v1). */
  baseURL: string;
  reply(...replies: OpenAIReply[]): void;
  replyAlways(reply: OpenAIReply): void;
};

const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/recorded/", import.meta.url));

export function fixtureLines(file: string): string[] {
  return readFileSync(FIXTURES_DIR + file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue = new ReplyQueue<OpenAIReply>();
  const core = await startFakeServer((request) => {
    const api =
      request.path === "/v1/chat/completions" ? "chat" : request.path === "/v1/responses" ? "responses" : undefined;
    if (request.method !== "POST" || !api) {
      return { kind: "json", status: 404, body: { error: { message: `Unknown path ${request.path}`, type: "invalid_request_error" } } };
    }
    const reply = queue.next();
    if (!reply) {
      return { kind: "json", status: 400, body: { error: { message: "fake-openai: no scripted reply left", type: "invalid_request_error" } } };
    }
    return api === "chat" ? chatScript(reply, request.body) : responsesScript(reply, request.body);
  });
  return {
    ...core,
    requests: core.requests,
    get connectionsClosedEarly() {
      return core.connectionsClosedEarly;
    },
    baseURL: `${core.url}/v1`,
    reply: (...replies) => queue.reply(...replies),
    replyAlways: (reply) => queue.replyAlways(reply),
  };
}

function errorScript(reply: Extract<OpenAIReply, { type: "error" }>): Script {
  const defaults: Record<number, { message: string; type: string; code: string | null }> = {
    401: { message: "Incorrect API key provided: test. You can find your API key at https://platform.openai.com/account/api-keys.", type: "invalid_request_error", code: "invalid_api_key" },
    429: { message: "Rate limit reached for gpt-4.1-nano on requests per min (RPM): Limit 3, Used 3, Requested 1.", type: "requests", code: "rate_limit_exceeded" },
    500: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", code: null },
  };
  const fallback = defaults[reply.status] ?? { message: `HTTP ${reply.status}`, type: "invalid_request_error", code: null };
  return {
    kind: "json",
    status: reply.status,
    headers: reply.retryAfter !== undefined ? { "retry-after": reply.retryAfter } : { "retry-after-ms": String(reply.retryAfterMs ?? 1) },
    body: {
      error: {
        message: reply.message ?? fallback.message,
        type: reply.errorType ?? fallback.type,
        param: null,
        code: reply.code ?? fallback.code,
      },
    },
  };
}

// ---------------------------------------------------------------- Chat Completions

function chatScript(reply: OpenAIReply, body: RecordedRequest["body"]): Script {
  if (reply.type === "error") return errorScript(reply);
  if (reply.type === "replay") {
    const events = fixtureLines(reply.file).map((line) => ({ data: reply.transform ? reply.transform(line) : line }));
    return { kind: "sse", events: [...events, { data: "[DONE]" }] };
  }

  const includeUsage = body?.stream_options?.include_usage === true;
  const model = typeof body?.model === "string" ? body.model : "gpt-4.1-nano";
  const base = {
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1770933892,
    model,
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    JSON.stringify({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const usageChunk = (usage: Usage) =>
    JSON.stringify({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    });

  const events: SseEvent[] = [];
  let dropAfter: number | undefined;
  let stallAfter: number | undefined;
  if (reply.type === "text") {
    events.push({ data: chunk({ role: "assistant", content: "", refusal: null }) });
    reply.deltas.forEach((delta, i) => {
      if (reply.stallAfterDeltas === i) stallAfter = events.length;
      events.push({ data: chunk({ content: delta }) });
      if (reply.dropAfterDeltas === i + 1) dropAfter = events.length;
    });
    events.push({ data: chunk({}, "stop") });
  } else {
    const calls = toolCallsOf(reply);
    // The first chunk opens the assistant message; each call then opens with its id and name at its own index.
    const opening = calls.map((call, index) => ({
      index,
      data: chunk({
        ...(index === 0 ? { role: "assistant", content: null, refusal: null } : {}),
        tool_calls: [{ index, id: call.callId, type: "function", function: { name: call.toolName, arguments: "" } }],
      }),
    }));
    const argumentEvents = calls.map((call, index) =>
      call.argChunks.map((piece) => ({ index, data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }) })),
    );
    if (reply.type === "tool-calls" && reply.interleave) {
      events.push(...opening.map(({ data }) => ({ data })));
      events.push(...interleaved(argumentEvents).map(({ data }) => ({ data })));
    } else {
      calls.forEach((_, index) => {
        events.push({ data: opening[index].data });
        events.push(...argumentEvents[index].map(({ data }) => ({ data })));
      });
    }
    events.push({ data: chunk({}, "tool_calls") });
  }
  if (includeUsage) events.push({ data: usageChunk(reply.usage ?? { input: 21, output: 9 }) });
  events.push({ data: "[DONE]" });
  return { kind: "sse", events, dropAfter, stallAfter, delayMs: reply.type === "text" ? reply.delayMs : undefined };
}

// ---------------------------------------------------------------- Responses

function responsesScript(reply: OpenAIReply, body: RecordedRequest["body"]): Script {
  if (reply.type === "error") return errorScript(reply);
  if (reply.type === "replay") {
    const events = fixtureLines(reply.file).map((line) => {
      const data = reply.transform ? reply.transform(line) : line;
      // Not JSON.parse: recorded lines are replayed as they are, even the malformed ones (see the fixtures README).
      return { event: /"type":"([^"]+)"/.exec(data)?.[1], data };
    });
    return { kind: "sse", events: [...events, { data: "[DONE]" }] };
  }

  const model = typeof body?.model === "string" ? body.model : "gpt-4.1-nano";
  let sequence = 0;
  const events: SseEvent[] = [];
  const emit = (payload: Record<string, unknown>) => {
    const withSequence = { type: payload.type, sequence_number: sequence++, ...payload };
    events.push({ event: String(payload.type), data: JSON.stringify(withSequence) });
  };
  const response = (status: string, output: unknown[], usage: Usage | null) => ({
    id: "resp_fake",
    object: "response",
    created_at: 1770933892,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: true,
    temperature: 1,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: usage && {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
    user: null,
    metadata: {},
  });

  emit({ type: "response.created", response: response("in_progress", [], null) });
  emit({ type: "response.in_progress", response: response("in_progress", [], null) });

  let dropAfter: number | undefined;
  let stallAfter: number | undefined;
  let output: unknown[];
  if (reply.type === "text") {
    const itemId = "msg_fake";
    const text = reply.deltas.join("");
    const part = (value: string) => ({ type: "output_text", annotations: [], logprobs: [], text: value });
    emit({
      type: "response.output_item.added",
      output_index: 0,
      item: { id: itemId, type: "message", status: "in_progress", content: [], role: "assistant" },
    });
    emit({ type: "response.content_part.added", item_id: itemId, output_index: 0, content_index: 0, part: part("") });
    reply.deltas.forEach((delta, i) => {
      if (reply.stallAfterDeltas === i) stallAfter = events.length;
      emit({ type: "response.output_text.delta", item_id: itemId, output_index: 0, content_index: 0, delta, logprobs: [] });
      if (reply.dropAfterDeltas === i + 1) dropAfter = events.length;
    });
    emit({ type: "response.output_text.done", item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] });
    emit({ type: "response.content_part.done", item_id: itemId, output_index: 0, content_index: 0, part: part(text) });
    const item = { id: itemId, type: "message", status: "completed", content: [part(text)], role: "assistant" };
    emit({ type: "response.output_item.done", output_index: 0, item });
    output = [item];
  } else {
    output = toolCallsOf(reply).map((call, outputIndex) => {
      const itemId = `fc_fake_${outputIndex + 1}`;
      const args = call.argChunks.join("");
      const item = (status: string, argumentsText: string) => ({
        id: itemId,
        type: "function_call",
        status,
        arguments: argumentsText,
        call_id: call.callId,
        name: call.toolName,
      });
      emit({ type: "response.output_item.added", output_index: outputIndex, item: item("in_progress", "") });
      for (const delta of call.argChunks) {
        emit({ type: "response.function_call_arguments.delta", item_id: itemId, output_index: outputIndex, delta });
      }
      emit({ type: "response.function_call_arguments.done", item_id: itemId, output_index: outputIndex, arguments: args });
      emit({ type: "response.output_item.done", output_index: outputIndex, item: item("completed", args) });
      return item("completed", args);
    });
  }
  emit({ type: "response.completed", response: response("completed", output, reply.usage ?? { input: 21, output: 9 }) });
  return { kind: "sse", events, dropAfter, stallAfter, delayMs: reply.type === "text" ? reply.delayMs : undefined };
}
