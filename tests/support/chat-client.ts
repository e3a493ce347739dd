/**
 * Calls the route handlers in-process and reads their UI message streams (SSE) back into chunks.
 */
import type { LanguageModelUsage, UIMessageChunk } from "ai";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterEach, beforeEach } from "vitest";
import { POST as stopRoute } from "@/app/api/chat/[id]/stop/route";
import { POST } from "@/app/api/chat/route";

/** Every variable lib/env.ts reads. Tests start from none of them set. */
export const ENV_KEYS = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_API",
  "OPENAI_MODELS",
  "CLOUDFLARE_ACCOUNT_ID",
  "CLOUDFLARE_API_TOKEN",
  "WORKERS_AI_BASE_URL",
  "WORKERS_AI_MODELS",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "ANTHROPIC_MODELS",
  "GOOGLE_GENERATIVE_AI_API_KEY",
  "GOOGLE_BASE_URL",
  "GOOGLE_MODELS",
  "DEFAULT_MODEL",
  "MODEL_FALLBACKS",
  "AI_GATEWAY_ID",
  "AI_GATEWAY_TOKEN",
  "AI_GATEWAY_CACHE_TTL",
  "AI_GATEWAY_URL",
  "ENABLE_DEMO_MODEL",
  "DEMO_DELAY_MS",
  "WEATHER_API_BASE_URL",
  "UPSTREAM_STALL_MS",
  "DAILY_TOKEN_BUDGET",
  "EMBED_DAILY_TOKEN_BUDGET",
  "DAILY_IP_TOKEN_BUDGET",
] as const;

export type EnvKey = (typeof ENV_KEYS)[number];

/**
 * Registers beforeEach/afterEach hooks that clear the app's variables from process.env before each test and restore
 * the original values after it. Returns `setEnv` to set variables inside a test.
 */
export function cleanEnvPerTest(): (vars: Partial<Record<EnvKey, string>>) => void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
    for (const key of ENV_KEYS) delete process.env[key];
  });
  afterEach(() => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
  return (vars) => {
    for (const [key, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export type UserMessage = { id: string; role: "user" | "assistant"; parts: unknown[] };

export function userMessage(text: string, id = "m-user-1"): UserMessage {
  return { id, role: "user", parts: [{ type: "text", text }] };
}

/** A request body as `useChat`'s default transport sends it. */
export function chatBody(options: { text?: string; model?: string; messages?: unknown[]; id?: string } = {}) {
  return {
    // A fresh chat per request: the server owns each chat's history, and a chat id belongs to one visitor.
    id: options.id ?? `chat-${crypto.randomUUID()}`,
    messages: options.messages ?? [userMessage(options.text ?? "Hello there")],
    trigger: "submit-message",
    ...(options.model ? { model: options.model } : {}),
  };
}

export function chatRequest(
  body: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string>; rawBody?: BodyInit } = {},
): Request {
  return new Request("http://localhost/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.rawBody ?? JSON.stringify(body),
    signal: init.signal,
    // Needed by undici when the body is a stream.
    ...(init.rawBody instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * Keeps each Request reachable while its Response is. Node's Request (undici) follows the signal passed in `init`
 * only through a weak reference: once the Request object is garbage-collected, aborting the caller's controller no
 * longer aborts `request.signal`, which is all the route keeps. Without this, a GC during a test loses the abort.
 */
const requestOf = new WeakMap<Response, Request>();

/** POSTs to the real route handler. */
export async function postChat(body: unknown, init?: Parameters<typeof chatRequest>[1]): Promise<Response> {
  const request = chatRequest(body, init);
  const response = await POST(request);
  requestOf.set(response, request);
  return response;
}

/**
 * POST /api/chat/[id]/stop, as the page's Stop button sends it: closing the page (aborting POST /api/chat) no longer
 * stops an answer, this does. The response's `{ stopped }`: an answer was being written and is being stopped.
 */
export function stopChat(id: string, cookie: string): Promise<Response> {
  return stopRoute(new Request(`http://localhost/api/chat/${encodeURIComponent(id)}/stop`, { method: "POST", headers: { cookie } }), {
    params: Promise.resolve({ id }),
  });
}

export type ReadResult = { chunks: UIMessageChunk[]; sawDone: boolean };

/** Iterates the UI message chunks of an SSE response as they arrive. */
export async function* iterateChunks(response: Response): AsyncGenerator<UIMessageChunk | "[DONE]"> {
  if (!response.body) throw new Error("response has no body");
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const event of events as unknown as AsyncIterable<{ data: string }>) {
    if (event.data === "[DONE]") {
      yield "[DONE]";
      continue;
    }
    yield JSON.parse(event.data) as UIMessageChunk;
  }
}

/** Reads the whole stream. */
export async function readChunks(response: Response): Promise<ReadResult> {
  const chunks: UIMessageChunk[] = [];
  let sawDone = false;
  for await (const chunk of iterateChunks(response)) {
    if (chunk === "[DONE]") sawDone = true;
    else chunks.push(chunk);
  }
  return { chunks, sawDone };
}

type ChunkOf<T extends UIMessageChunk["type"]> = Extract<UIMessageChunk, { type: T }>;

export function chunksOf<T extends UIMessageChunk["type"]>(chunks: UIMessageChunk[], type: T): ChunkOf<T>[] {
  return chunks.filter((chunk): chunk is ChunkOf<T> => chunk.type === type);
}

/** What a test usually wants from a finished stream. */
export function summarize(chunks: UIMessageChunk[]) {
  const finish = chunksOf(chunks, "finish").at(-1);
  return {
    types: chunks.map((chunk) => chunk.type),
    /** Every text-delta joined, across all text parts and steps. */
    text: chunksOf(chunks, "text-delta")
      .map((chunk) => chunk.delta)
      .join(""),
    reasoning: chunksOf(chunks, "reasoning-delta")
      .map((chunk) => chunk.delta)
      .join(""),
    toolInputStarts: chunksOf(chunks, "tool-input-start"),
    toolInputDeltas: chunksOf(chunks, "tool-input-delta"),
    toolInputs: chunksOf(chunks, "tool-input-available"),
    toolInputErrors: chunksOf(chunks, "tool-input-error"),
    toolOutputs: chunksOf(chunks, "tool-output-available"),
    toolErrors: chunksOf(chunks, "tool-output-error"),
    errors: chunksOf(chunks, "error").map((chunk) => chunk.errorText),
    start: chunksOf(chunks, "start")[0],
    finish,
    metadata: finish?.messageMetadata as { model?: string; usage?: LanguageModelUsage } | undefined,
  };
}

/** POST then read everything. */
export async function chat(body: unknown, init?: Parameters<typeof chatRequest>[1]) {
  const response = await postChat(body, init);
  const { chunks, sawDone } = await readChunks(response);
  return { response, chunks, sawDone, ...summarize(chunks) };
}
