import "server-only";
import { streamText, type TextStreamPart, type ToolSet } from "ai";
import { listModels, resolveModel } from "@/lib/ai/models";
import { CHARS_PER_TOKEN, enforceApiKeyRateLimit } from "@/lib/chat/limits";
import { LIMITS, readJsonBody } from "@/lib/chat/request";
import { describeStreamError, STREAM_SETTINGS } from "@/lib/chat/stream";
import { waitUntil } from "@/lib/chat/session";
import { getDb } from "@/lib/db/client";
import { tokenLedger, type TokenLedger } from "@/lib/db/usage";
import { readEnv, type AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { apiKeyOf, type ApiKey } from "./keys";
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
    const key = await apiKeyOf(request, env);
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
    throw new AppError("rate_limit:api_budget", "This API key has used today's token budget (or this request would go over it).");
  }
  return (spent: number) => (limit > 0 ? ledger.add(caller.key.id, spent - reserved, now) : Promise.resolve());
}

/** POST /v1/chat/completions */
export function chatCompletions(request: Request): Promise<Response> {
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
    const maxOutput = Math.min(body.max_completion_tokens ?? body.max_tokens ?? STREAM_SETTINGS.maxOutputTokens, STREAM_SETTINGS.maxOutputTokens);
    const settle = await reserve(tokenLedger(await getDb()), caller, body, maxOutput);

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
      // A client that goes away stops the model.
      abortSignal: request.signal,
      // The model (resolveModel's fallback chain) retries and falls back before the first token itself: see lib/ai/fallback.ts.
      maxRetries: 0,
    });
    const builder = new CompletionBuilder();
    const settleWith = () => {
      const usage = usageOf(builder.usage);
      waitUntil(settle(usage.total_tokens).catch((error) => console.error("v1: settling the budget:", error)));
    };

    // Up to the first thing to say: a failure before it is an HTTP error with its status, not a 200 stream. Each
    // read of `fullStream` is a copy from the start, so this look ahead takes nothing from the answer.
    const ahead = result.fullStream.getReader();
    const early = await failureBeforeAnswer(ahead);
    if (early !== undefined) {
      settleWith();
      return upstreamError(early);
    }
    const meta = { id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`, created: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) {
      void ahead.cancel();
      const failure = await drain(result.fullStream.getReader(), builder);
      settleWith();
      if (failure !== undefined) return upstreamError(failure);
      return Response.json({
        ...meta,
        object: "chat.completion",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: builder.text || null,
              refusal: null,
              ...(builder.toolCalls.length ? { tool_calls: builder.toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: builder.finishReason,
          },
        ],
        usage: usageOf(builder.usage),
      });
    }
    void ahead.cancel();
    const events = result.fullStream.pipeThrough(chunkEvents(meta, builder, Boolean(body.stream_options?.include_usage), settleWith));
    return new Response(events, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
    });
  });
}

type Parts = ReadableStreamDefaultReader<TextStreamPart<ToolSet>>;

/** The error, when the model failed before saying anything (undefined: it answered, or ended). */
async function failureBeforeAnswer(parts: Parts): Promise<unknown> {
  const probe = new CompletionBuilder();
  for (;;) {
    const { done, value } = await parts.read();
    if (done) return undefined;
    if (value.type === "error") return value.error;
    if (probe.add(value)) return undefined;
  }
}

/** Reads the rest into the builder; the error, if the stream failed. */
async function drain(parts: Parts, builder: CompletionBuilder): Promise<unknown> {
  for (;;) {
    const { done, value } = await parts.read();
    if (done) return undefined;
    if (value.type === "error") return value.error;
    builder.add(value);
  }
}

/** A model failure before anything was sent: the upstream's 429 stays a 429, anything else is a 502. */
function upstreamError(error: unknown): Response {
  const message = describeStreamError(error);
  const status = /HTTP 429/.test(message) ? 429 : 502;
  return openAIError(status, message, status === 429 ? "upstream_rate_limited" : "upstream_error");
}

/** The AI SDK's parts as Chat Completions SSE events. */
function chunkEvents(
  meta: { id: string; created: number; model: string },
  builder: CompletionBuilder,
  includeUsage: boolean,
  settle: () => void,
): TransformStream<TextStreamPart<ToolSet>, Uint8Array> {
  const encoder = new TextEncoder();
  const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: ChunkDelta, finishReason: string | null = null) =>
    event({ ...meta, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  let failed = false;
  return new TransformStream({
    start(controller) {
      controller.enqueue(chunk({ role: "assistant", content: "" }));
    },
    transform(part, controller) {
      if (failed) return;
      if (part.type === "error") {
        // As OpenAI does mid-stream: an error event, then nothing more.
        failed = true;
        controller.enqueue(event({ error: { message: describeStreamError(part.error), type: "server_error", param: null, code: null } }));
        return;
      }
      const delta = builder.add(part);
      if (delta) controller.enqueue(chunk(delta));
    },
    flush(controller) {
      settle();
      if (failed) return;
      controller.enqueue(chunk({}, builder.finishReason));
      if (includeUsage) controller.enqueue(event({ ...meta, object: "chat.completion.chunk", choices: [], usage: usageOf(builder.usage) }));
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
    },
  });
}
