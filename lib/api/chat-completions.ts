import "server-only";
import { streamText, type TextStreamPart, type ToolSet } from "ai";
import { listModels, resolveModel } from "@/lib/ai/models";
import { CHARS_PER_TOKEN, enforceApiKeyRateLimit, secondsToUtcMidnight } from "@/lib/chat/limits";
import { LIMITS, readJsonBody } from "@/lib/chat/request";
import { describeStreamError, endWithErrorPart, STREAM_SETTINGS } from "@/lib/chat/stream";
import { waitUntil } from "@/lib/chat/session";
import { getDb } from "@/lib/db/client";
import type { AnswerStatus } from "@/lib/metrics/usage-report";
import { tokenLedger, type TokenLedger } from "@/lib/db/usage";
import { readEnv, type AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { answerRecorder, type AnswerOutcome } from "@/lib/metrics/answers";
import { meterAnswer, type LiveMeter } from "@/lib/metrics/live-meter";
import { apiKeyOf, type ApiKey } from "./keys";
import { CACHE_HEADER, responseCacheFor, type CachedCompletion } from "./response-cache";
import {
  chatCompletionRequest,
  CompletionBuilder,
  openAIError,
  openAIErrorFrom,
  toModelMessages,
  toToolChoice,
  toTools,
  usageOf,
  type ChatCompletionRequest,
  type ChunkDelta,
} from "./openai-format";

/**
 * The OpenAI-compatible API (`/v1`): `POST /v1/chat/completions` (streaming and not) and `GET /v1/models`, for any
 * OpenAI client, with this deployment's models (ids as in /api/models), keys (lib/api/keys.ts), per-key rate limit
 * and daily budget. The caller's tools are the caller's: their calls are returned, never run here. Errors come in
 * OpenAI's shape, before the stream with their status, mid-stream as an `error` event.
 */

type Caller = { env: AppEnv; key: ApiKey };

/** Every /v1 route: the key (401) and its rate limit (429) first, errors in OpenAI's shape. */
async function withKey(request: Request, handle: (caller: Caller) => Promise<Response>): Promise<Response> {
  try {
    const env = await readEnv();
    const key = await apiKeyOf(request, env, await getDb());
    await enforceApiKeyRateLimit(key.id);
    return await handle({ env, key });
  } catch (error) {
    if (error instanceof AppError) return openAIErrorFrom(error);
    console.error("v1:", error);
    return openAIError(500, "Something went wrong on the server.", null);
  }
}

/** GET /v1/models */
export function listApiModels(request: Request): Promise<Response> {
  return withKey(request, async ({ env }) =>
    Response.json({
      object: "list",
      data: listModels(env).map((model) => ({ id: model.id, object: "model", created: 0, owned_by: model.provider })),
    }),
  );
}

function parse(body: unknown): ChatCompletionRequest {
  const parsed = chatCompletionRequest.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.join(".");
  throw new AppError("bad_request:api", `Invalid request: ${where ? `${where}: ` : ""}${issue.message}`);
}

/** The most a request can cost (its text, roughly, and its output cap), reserved before the model is asked. */
async function reserve(ledger: TokenLedger, caller: Caller, body: ChatCompletionRequest, maxOutput: number) {
  const limit = caller.env.API_KEY_DAILY_TOKEN_BUDGET;
  const reserved = Math.ceil(JSON.stringify(body.messages).length / CHARS_PER_TOKEN) + maxOutput;
  const now = new Date();
  if (limit > 0 && !(await ledger.tryAdd(caller.key.id, reserved, limit, now))) {
    throw new AppError("rate_limit:api_budget", "This API key has used today's token budget (or this request would go over it).", {
      retryAfter: secondsToUtcMidnight(now),
    });
  }
  return (spent: number) => (limit > 0 ? ledger.add(caller.key.id, spent - reserved, now) : Promise.resolve());
}

/** POST /v1/chat/completions */
export function chatCompletions(request: Request): Promise<Response> {
  const startedAt = Date.now();
  return withKey(request, async (caller) => {
    const body = parse(await readJsonBody(request, LIMITS.maxBodyBytes, "the request"));
    let resolved: ReturnType<typeof resolveModel>;
    try {
      resolved = resolveModel(caller.env, body.model);
    } catch {
      return openAIError(404, `The model "${body.model}" does not exist. GET /v1/models lists the models.`, "model_not_found", "model");
    }
    const tools = toTools(body.tools);
    if (tools && !resolved.info.supportsTools) {
      return openAIError(400, `The model "${body.model}" does not take tools.`, "tools_not_supported", "tools");
    }
    const messages = toModelMessages(body.messages);
    const meta = { id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model: body.model };
    const includeUsage = Boolean(body.stream_options?.include_usage);
    // An identical earlier request's answer, when the caller asked for caching: no model call, no budget spent.
    const cache = await responseCacheFor(request, caller.env, caller.key, body);
    const hit = await cache?.get();
    // The answer's usage record (lib/metrics/): an API answer, counted for the key's owner.
    const recordAnswer = await answerRecorder();
    const record = (outcome: Omit<AnswerOutcome, "surface" | "visitorId">) => recordAnswer({ ...outcome, surface: "api", visitorId: caller.key.id });
    const cacheHeaders: Record<string, string> = cache ? { [CACHE_HEADER]: hit ? "hit" : "miss" } : {};
    if (hit) {
      record({
        startedAt,
        status: "complete",
        model: resolved.info.id,
        ttftMs: Date.now() - startedAt,
        inputTokens: hit.usage.prompt_tokens,
        outputTokens: hit.usage.completion_tokens,
        toolCalls: hit.toolCalls.length,
        retries: 0,
        cacheHit: true,
      });
      if (!body.stream) return Response.json(completionJson(meta, hit), { headers: cacheHeaders });
      return new Response(replayEvents(meta, hit, includeUsage), { headers: { ...SSE_HEADERS, ...cacheHeaders } });
    }
    const maxOutput = Math.min(body.max_completion_tokens ?? body.max_tokens ?? STREAM_SETTINGS.maxOutputTokens, STREAM_SETTINGS.maxOutputTokens);
    const settle = await reserve(tokenLedger(await getDb()), caller, body, maxOutput);

    // Listed on /usage/live while the model answers; the owner's Stop there aborts the model call.
    const stop = new AbortController();
    const meter = meterAnswer({
      chatId: null,
      surface: "api",
      model: () => resolved.answeredBy()?.id ?? resolved.info.id,
      startedAt,
      onStop: () => stop.abort(new DOMException(STOPPED, "AbortError")),
    });
    const result = streamText({
      model: resolved.model,
      messages,
      tools,
      toolChoice: toToolChoice(body.tool_choice),
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      maxOutputTokens: maxOutput,
      stopSequences: typeof body.stop === "string" ? [body.stop] : (body.stop ?? undefined),
      seed: body.seed ?? undefined,
      // OpenAI takes system (and developer) messages anywhere in the conversation.
      allowSystemInMessages: true,
      // A client that goes away stops the model, as the owner's Stop does.
      abortSignal: AbortSignal.any([request.signal, stop.signal]),
      // The model (resolveModel's fallback chain) retries and falls back before the first token itself: see lib/ai/fallback.ts.
      maxRetries: 0,
    });
    const builder = new CompletionBuilder();
    let settled = false;
    const settleWith = (status: AnswerStatus) => {
      if (settled) return;
      settled = true;
      meter.end();
      // Without the model's count (a client gone mid-answer), what was sent and written so far, estimated.
      const inputTokens = builder.usage?.inputTokens ?? Math.ceil(JSON.stringify(body.messages).length / CHARS_PER_TOKEN);
      const outputTokens = builder.usage?.outputTokens ?? Math.ceil(builder.text.length / CHARS_PER_TOKEN);
      const spent = builder.usage ? usageOf(builder.usage).total_tokens : inputTokens + outputTokens;
      waitUntil(settle(spent).catch((error) => console.error("v1: settling the budget:", error)));
      const answered = resolved.answeredBy();
      const streamedMs = builder.firstOutputAt === undefined ? 0 : Date.now() - builder.firstOutputAt;
      record({
        startedAt,
        status,
        model: answered?.id ?? resolved.info.id,
        fallbackFrom: answered && answered.id !== resolved.info.id ? resolved.info.id : undefined,
        ttftMs: builder.firstOutputAt === undefined ? undefined : builder.firstOutputAt - startedAt,
        tokensPerSecond: status === "complete" && streamedMs > 0 && outputTokens ? (outputTokens * 1000) / streamedMs : undefined,
        inputTokens,
        outputTokens,
        toolCalls: builder.toolCalls.length,
        retries: resolved.retries(),
        cacheHit: false,
      });
    };

    // Up to the first thing to say: a failure before it is an HTTP error with its status, not a 200 stream. Each
    // read of `fullStream` is a copy from the start, so this look ahead takes nothing from the answer.
    const ahead = result.fullStream.getReader();
    const early = await failureBeforeAnswer(ahead);
    if (early !== undefined) {
      settleWith("error");
      return upstreamError(early);
    }
    if (!body.stream) {
      void ahead.cancel();
      const failure = await drain(result.fullStream.getReader(), builder, meter);
      if (stop.signal.aborted) {
        settleWith("stopped");
        return openAIError(503, STOPPED, "answer_stopped");
      }
      settleWith(failure === undefined ? "complete" : "error");
      if (failure !== undefined) return upstreamError(failure);
      const answer = snapshot(builder);
      // Stored before the answer goes out, so the same request right after is a hit.
      await cache?.put(answer);
      return Response.json(completionJson(meta, answer), { headers: cacheHeaders });
    }
    void ahead.cancel();
    // A client that goes away ends the stream without its end: the budget is settled with what was spent so far.
    request.signal.addEventListener("abort", () => settleWith("stopped"), { once: true });
    // A dropped connection errors the stream itself: it ends with an error part instead (lib/chat/stream.ts).
    const parts = endWithErrorPart(result.fullStream, (error) => console.error("v1: the model's stream failed:", describeStreamError(error)));
    const events = parts.pipeThrough(
      chunkEvents(meta, builder, meter, includeUsage, (status) => {
        settleWith(status);
        if (status === "complete") void cache?.put(snapshot(builder));
      }),
    );
    return new Response(events, { headers: { ...SSE_HEADERS, ...cacheHeaders } });
  });
}


type Parts = ReadableStreamDefaultReader<TextStreamPart<ToolSet>>;

/** The error, when the model failed before saying anything (undefined: it answered, or ended). */
async function failureBeforeAnswer(parts: Parts): Promise<unknown> {
  const probe = new CompletionBuilder();
  try {
    for (;;) {
      const { done, value } = await parts.read();
      if (done) return undefined;
      if (value.type === "error") return value.error;
      if (probe.add(value)) return undefined;
    }
  } catch (error) {
    return error;
  }
}

/** Reads the rest into the builder; the error, if the stream failed (an error part, or the stream itself). */
async function drain(parts: Parts, builder: CompletionBuilder, meter: LiveMeter): Promise<unknown> {
  try {
    for (;;) {
      const { done, value } = await parts.read();
      if (done) return undefined;
      meter.part(value);
      if (value.type === "error") return value.error;
      builder.add(value);
    }
  } catch (error) {
    return error;
  }
}

/** A model failure before anything was sent: the upstream's 429 stays a 429, anything else is a 502. */
function upstreamError(error: unknown): Response {
  const message = describeStreamError(error);
  const status = /HTTP 429/.test(message) ? 429 : 502;
  return openAIError(status, message, status === 429 ? "upstream_rate_limited" : "upstream_error");
}

/** What an answer the owner stopped (/usage/live) ends with. */
const STOPPED = "The answer was stopped.";

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" };

type Meta = { id: string; created: number; model: string };
const encoder = new TextEncoder();
const sseEvent = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
const DONE = encoder.encode("data: [DONE]\n\n");
const chunkEvent = (meta: Meta, delta: ChunkDelta, finishReason: string | null = null) =>
  sseEvent({ ...meta, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
const usageEvent = (meta: Meta, usage: CachedCompletion["usage"]) => sseEvent({ ...meta, object: "chat.completion.chunk", choices: [], usage });

/** What an answer came to (what the cache keeps, and what a non-streamed answer says). */
function snapshot(builder: CompletionBuilder): CachedCompletion {
  return { text: builder.text, toolCalls: builder.toolCalls, finishReason: builder.finishReason, usage: usageOf(builder.usage) };
}

/** A `chat.completion`. */
function completionJson(meta: Meta, answer: CachedCompletion) {
  return {
    ...meta,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: answer.text || null,
          refusal: null,
          ...(answer.toolCalls.length ? { tool_calls: answer.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: answer.finishReason,
      },
    ],
    usage: answer.usage,
  };
}

/** A cached answer as the chunks a live one sends: the text in one delta, each tool call whole. */
function replayEvents(meta: Meta, answer: CachedCompletion, includeUsage: boolean): ReadableStream<Uint8Array> {
  const events = [
    chunkEvent(meta, { role: "assistant", content: "" }),
    ...(answer.text ? [chunkEvent(meta, { content: answer.text })] : []),
    ...answer.toolCalls.map((call, index) => chunkEvent(meta, { tool_calls: [{ index, ...call }] })),
    chunkEvent(meta, {}, answer.finishReason),
    ...(includeUsage ? [usageEvent(meta, answer.usage)] : []),
    DONE,
  ];
  return new ReadableStream({
    start(controller) {
      for (const event of events) controller.enqueue(event);
      controller.close();
    },
  });
}

/**
 * The AI SDK's parts as Chat Completions SSE events; `onEnd` when they end: complete, or after an error event (the
 * model failed: error; the owner stopped it, which streamText ends with an `abort` part: stopped).
 */
function chunkEvents(
  meta: Meta,
  builder: CompletionBuilder,
  meter: LiveMeter,
  includeUsage: boolean,
  onEnd: (status: AnswerStatus) => void,
): TransformStream<TextStreamPart<ToolSet>, Uint8Array> {
  let status: AnswerStatus = "complete";
  return new TransformStream({
    start(controller) {
      controller.enqueue(chunkEvent(meta, { role: "assistant", content: "" }));
    },
    transform(part, controller) {
      if (status !== "complete") return;
      meter.part(part);
      if (part.type === "error" || part.type === "abort") {
        // As OpenAI does mid-stream: an error event, then nothing more.
        status = part.type === "error" ? "error" : "stopped";
        const message = part.type === "error" ? describeStreamError(part.error) : STOPPED;
        controller.enqueue(sseEvent({ error: { message, type: "server_error", param: null, code: null } }));
        return;
      }
      const delta = builder.add(part);
      if (delta) controller.enqueue(chunkEvent(meta, delta));
    },
    flush(controller) {
      onEnd(status);
      if (status !== "complete") return;
      controller.enqueue(chunkEvent(meta, {}, builder.finishReason));
      if (includeUsage) controller.enqueue(usageEvent(meta, usageOf(builder.usage)));
      controller.enqueue(DONE);
    },
  });
}
