/**
 * A fake Anthropic Messages API on 127.0.0.1: `POST /v1/messages` with `stream: true`. Every SSE event has an
 * `event:` line naming its type, as the live API sends: `message_start`, `content_block_start`,
 * `content_block_delta` (`text_delta`, `input_json_delta`), `content_block_stop`, `message_delta`, `message_stop`,
 * `ping`, and the `error` event (e.g. `overloaded_error`) that can arrive mid-stream. Shapes follow the recorded
 * streams in tests/fixtures/recorded/anthropic-*.chunks.txt and `@ai-sdk/anthropic`'s chunk schema; HTTP errors
 * carry Anthropic's `{ type: "error", error: { type, message } }` body.
 */
import { fixtureLines } from "./fake-openai";
import { ReplyQueue, startFakeServer, type FakeServerCore, type RecordedRequest, type Script, type SseEvent } from "./http-fake";

export type AnthropicUsage = { input: number; output: number };

export type AnthropicReply =
  | {
      type: "text";
      deltas: string[];
      usage?: AnthropicUsage;
      /** Destroy the socket after this many text deltas. */
      dropAfterDeltas?: number;
      /** Go silent, connection open, after this many text deltas (0: before the first). */
      stallAfterDeltas?: number;
      /** Send an `error` event (overloaded_error) after this many text deltas, and nothing more. */
      overloadedAfterDeltas?: number;
    }
  /** One `tool_use` block per call, its input as `input_json_delta` fragments, after an optional text block. */
  | { type: "tool-calls"; text?: string; calls: { toolName: string; argChunks: string[]; id: string }[]; usage?: AnthropicUsage }
  | {
      type: "replay";
      /** A file name under tests/fixtures/recorded/. */
      file: string;
      /** Optional rewrite of each recorded line before it is sent. */
      transform?: (line: string) => string;
    }
  | { type: "error"; status: number };

export type FakeAnthropic = FakeServerCore & {
  /** Value for ANTHROPIC_BASE_URL (ends in /v1). */
  baseURL: string;
  reply(...replies: AnthropicReply[]): void;
  replyAlways(reply: AnthropicReply): void;
};

/** Anthropic's error types per status (https://docs.anthropic.com/en/api/errors). */
const ERRORS: Record<number, { type: string; message: string }> = {
  401: { type: "authentication_error", message: "invalid x-api-key" },
  429: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" },
  500: { type: "api_error", message: "Internal server error" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue = new ReplyQueue<AnthropicReply>();
  const core = await startFakeServer((request) => {
    if (request.method !== "POST" || request.path !== "/v1/messages") {
      return errorScript(404, { type: "not_found_error", message: `Unknown path ${request.path}` });
    }
    const reply = queue.next();
    if (!reply) return errorScript(400, { type: "invalid_request_error", message: "fake-anthropic: no scripted reply left" });
    return script(reply, request);
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

function errorScript(status: number, error: { type: string; message: string }): Script {
  return {
    kind: "json",
    status,
    // The app retries 429 and 5xx once (lib/ai/fallback.ts); this keeps its wait to 1 ms instead of 1 s.
    headers: { "retry-after-ms": "1", "request-id": "req_fake" },
    body: { type: "error", error, request_id: "req_fake" },
  };
}

function script(reply: AnthropicReply, request: RecordedRequest): Script {
  if (reply.type === "error") return errorScript(reply.status, ERRORS[reply.status] ?? { type: "api_error", message: `HTTP ${reply.status}` });
  const event = (data: { type: string; [key: string]: unknown }): SseEvent => ({ event: data.type, data: JSON.stringify(data) });
  if (reply.type === "replay") {
    const lines = fixtureLines(reply.file).map((line) => (reply.transform ? reply.transform(line) : line));
    return { kind: "sse", events: lines.map((line) => ({ event: JSON.parse(line).type, data: line })) };
  }

  const usage = reply.usage ?? { input: 21, output: 9 };
  const events: SseEvent[] = [
    event({
      type: "message_start",
      message: {
        model: String(request.body?.model),
        id: "msg_fake",
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: "standard" },
      },
    }),
  ];
  const textBlock = (index: number, deltas: string[]) => [
    event({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
    ...deltas.map((text) => event({ type: "content_block_delta", index, delta: { type: "text_delta", text } })),
    event({ type: "content_block_stop", index }),
  ];
  let dropAfter: number | undefined;
  let stallAfter: number | undefined;
  let stopReason = "end_turn";
  if (reply.type === "text" && reply.overloadedAfterDeltas !== undefined) {
    // The text so far, then the error event; the live API sends nothing after it.
    const block = textBlock(0, reply.deltas.slice(0, reply.overloadedAfterDeltas)).slice(0, -1);
    return { kind: "sse", events: [...events, ...block, event({ type: "error", error: ERRORS[529] })] };
  }
  if (reply.type === "text") {
    // After message_start, content_block_start and that many deltas.
    if (reply.dropAfterDeltas !== undefined) dropAfter = events.length + 1 + reply.dropAfterDeltas;
    if (reply.stallAfterDeltas !== undefined) stallAfter = events.length + 1 + reply.stallAfterDeltas;
    events.push(...textBlock(0, reply.deltas));
  } else {
    stopReason = "tool_use";
    let index = 0;
    if (reply.text) events.push(...textBlock(index++, [reply.text]));
    for (const call of reply.calls) {
      events.push(
        event({ type: "content_block_start", index, content_block: { type: "tool_use", id: call.id, name: call.toolName, input: {} } }),
        event({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }),
        event({ type: "ping" }),
        ...call.argChunks.map((partial_json) =>
          event({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }),
        ),
        event({ type: "content_block_stop", index }),
      );
      index++;
    }
  }
  events.push(
    event({
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { input_tokens: usage.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: usage.output },
    }),
    event({ type: "message_stop" }),
  );
  return { kind: "sse", events, dropAfter, stallAfter };
}
