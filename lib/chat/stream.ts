import "server-only";
import {
  APICallError,
  convertToModelMessages,
  createUIMessageStream,
  createUIMessageStreamResponse,
  InvalidToolApprovalSignatureError,
  isStepCount,
  RetryError,
  StreamProviderError,
  streamText,
  toUIMessageStream,
  type LanguageModel,
} from "ai";
import { isConnectionError } from "@/lib/ai/fallback";
import { systemInstructions } from "@/lib/ai/prompts";
import { UpstreamStalledError } from "@/lib/ai/stall";
import { chatToolApproval, type ChatTools } from "@/lib/ai/tools";
import type { LiveMeter } from "@/lib/metrics/live-meter";
import type { AnswerStatus } from "@/lib/metrics/usage-report";
import type { ChatMessage, ChatMetadata, ModelSummary } from "./types";

export const STREAM_SETTINGS = {
  /** The model may call tools and then answer, within this many steps. */
  maxSteps: 5,
  maxOutputTokens: 4_096,
  /** A tool still running after this long fails (its card shows it) and the answer goes on without it. */
  toolTimeoutMs: 20_000,
  /** An SSE comment goes out after this much silence, so proxies keep the connection open. */
  keepAliveMs: 15_000,
};

const HEADERS = {
  // no-transform stops compression proxies from buffering the stream.
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

const CONNECTION_FAILED = "The connection to the model provider failed. Try again.";

/** An answer that reached its duration cap (TURN_SETTINGS.maxAnswerMs: it no longer ends with its page). */
class AnswerTimeLimitError extends Error {
  constructor() {
    super("The answer reached its time limit and was cut off.");
  }
}

/** All an upstream error says: its message, its body (an HTTP error's) and what the provider parsed of it. */
function errorText(error: APICallError | StreamProviderError): string {
  const body = APICallError.isInstance(error) ? (error.responseBody ?? "") : "";
  return `${error.message} ${body} ${JSON.stringify(error.data ?? null)}`;
}

/** OpenAI's "insufficient_quota" also comes as a 429, but waiting does not help: the account needs credit. */
function isQuotaError(error: APICallError | StreamProviderError): boolean {
  return /insufficient_quota|exceeded your current quota/i.test(errorText(error));
}

/** Gemini refuses a bad API key with HTTP 400 (INVALID_ARGUMENT, reason API_KEY_INVALID), not 401. */
function isInvalidKeyError(error: APICallError | StreamProviderError): boolean {
  return /\bAPI_KEY_INVALID\b/.test(errorText(error));
}

/** A message safe to show: the status of an upstream failure, never its URL, key or stack. */
export function describeStreamError(error: unknown): string {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (cause instanceof UpstreamStalledError || cause instanceof AnswerTimeLimitError) return cause.message;
  if (InvalidToolApprovalSignatureError.isInstance(cause)) {
    return "This approval could not be verified, so the tool did not run. Ask again.";
  }
  // An HTTP error, or an error event inside a stream that had begun (Anthropic's overloaded_error), with its status.
  if (APICallError.isInstance(cause) || StreamProviderError.isInstance(cause)) {
    const status = cause.statusCode;
    if (status === 401 || status === 403 || isInvalidKeyError(cause)) {
      return `The model provider refused the credentials (HTTP ${status}). Check the API key.`;
    }
    if (status === 404) return "The model provider does not know this model (HTTP 404).";
    if (status === 429 && isQuotaError(cause)) {
      return "The model provider's account is out of quota (HTTP 429): the site's owner needs to check its plan and billing.";
    }
    if (status === 429) return "The model provider is rate limiting requests (HTTP 429). Try again in a moment.";
    // Anthropic's status for overloaded_error.
    if (status === 529) return "The model provider is overloaded (HTTP 529). Try again in a moment.";
    if (status && status >= 500) return `The model provider failed (HTTP ${status}). Try again.`;
    // A 2xx status: the answer had started streaming when the connection broke.
    if (status && status < 300) return CONNECTION_FAILED;
    if (status) return `The model provider rejected the request (HTTP ${status}).`;
    // An HTTP call without a status never got an answer; a stream error without one is told apart below.
    if (APICallError.isInstance(cause)) return CONNECTION_FAILED;
  }
  const interrupted = "The answer was interrupted by an error. Try again.";
  if (!(cause instanceof Error)) return interrupted;
  if (cause.name === "AbortError") return "The answer was stopped.";
  if (isConnectionError(cause)) return CONNECTION_FAILED;
  return interrupted;
}

/**
 * streamText ends an answer cut by its own timeouts (a stalled model, the duration cap) with an `abort` part, as if
 * the person had stopped it. Any abort our signal did not cause is such a timeout: it becomes an error part.
 */
export function timeoutsAsErrors<PART extends { type: string }>(
  signal: AbortSignal,
  stallMs: number,
): TransformStream<PART, PART | { type: "error"; error: unknown }> {
  return new TransformStream({
    transform(part, controller) {
      if (part.type !== "abort" || signal.aborted) return controller.enqueue(part);
      const reason = (part as { reason?: string }).reason ?? "";
      // The SDK's chunk timeouts cover what the stall-checking fetch cannot see (the Workers AI binding, the demo).
      const error = /chunk timeout/i.test(reason) ? new UpstreamStalledError(stallMs) : new AnswerTimeLimitError();
      console.error("chat stream failed:", error.message);
      controller.enqueue({ type: "error", error });
    },
  });
}

/**
 * streamText reports an upstream error *part* as an `error` chunk, but when the provider's stream itself fails
 * (the connection drops mid-answer) it errors `result.stream`, which would abort the SSE response with no `error`
 * chunk and no log. This turns such a failure into a final `error` part so the client gets a clean error.
 */
export function endWithErrorPart<PART>(
  stream: ReadableStream<PART>,
  onError: (error: unknown) => void,
): ReadableStream<PART | { type: "error"; error: unknown }> {
  const reader = stream.getReader();
  let cancelled = false;
  return new ReadableStream<PART | { type: "error"; error: unknown }>({
    async pull(controller) {
      let result: ReadableStreamReadResult<PART>;
      try {
        result = await reader.read();
      } catch (error) {
        if (cancelled) return;
        onError(error);
        controller.enqueue({ type: "error", error });
        controller.close();
        return;
      }
      // The reader went away while this read was pending: nothing left to deliver.
      if (cancelled) return;
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel(reason) {
      cancelled = true;
      return reader.cancel(reason);
    },
  });
}

/** What the stream saw of an answer, for its usage record (lib/metrics/). */
export type AnswerStats = { startedAt: number; ttftMs?: number; tokensPerSecond?: number; toolCalls: number };

/** Parts that are the model's output: the first one is the answer's first token. */
const OUTPUT_PARTS = new Set(["text-delta", "reasoning-delta", "tool-input-start", "tool-call"]);

export type StreamChatOptions = {
  model: LanguageModel;
  /** The model asked for (the head of its fallback chain). */
  modelInfo: ModelSummary;
  /** The model of the chain that answered, once one has (resolveModel). */
  answeredBy: () => ModelSummary | undefined;
  /** The conversation; when it ends with an assistant message, the answer continues that message. */
  messages: ChatMessage[];
  tools: ChatTools;
  /** At most this many steps (default STREAM_SETTINGS.maxSteps): fewer when the budget left pays for fewer. */
  maxSteps?: number;
  /** Appended to the system instructions (the server-side embed preset). */
  extraInstructions?: string;
  /** Signs approval requests so a client cannot forge an approval. */
  approvalSecret: string;
  /** Aborts the model call: Stop (through the conversation object), or the object going away. */
  signal: AbortSignal;
  /** The model sent nothing for this long (before its first output or between chunks): the answer is cut off. */
  stallMs: number;
  /** A hard cap on the whole answer (it no longer ends when its page goes away). */
  maxDurationMs?: number;
  /** When the turn started (epoch ms): the answer's TTFT counts from here. Default: now. */
  startedAt?: number;
  /** Counts the answer's parts for /usage/live (lib/metrics/live-meter.ts); ended with the answer. */
  meter?: LiveMeter;
  /** Runs once when the answer ends, however it ends, with the answer as far as it got (to save it). */
  onAnswerEnd?: (answer: ChatMessage, status: AnswerStatus, stats: AnswerStats) => Promise<void>;
  /** A new conversation's title: made alongside the answer, saved and sent (`data-title`) after it succeeds. */
  title?: { make: () => Promise<string>; save: (title: string) => Promise<void> };
};

/** One chat turn: UI messages in, a UI message stream (SSE) out. */
export async function streamChat(options: StreamChatOptions): Promise<Response> {
  const { model, modelInfo, answeredBy, messages, signal } = options;
  // A model without tool support is still usable: it just gets no tools.
  const tools = modelInfo.supportsTools ? options.tools : undefined;
  /** Which model wrote the answer, and the one asked first when that was another (a fallback). */
  const answerer = (): Pick<ChatMetadata, "model" | "fallbackFrom"> => {
    const answered = answeredBy();
    return answered && answered.id !== modelInfo.id ? { model: answered.id, fallbackFrom: modelInfo.id } : { model: modelInfo.id };
  };
  let labelled = false;
  const startedAt = options.startedAt ?? Date.now();
  let firstTokenAt: number | undefined;
  let toolCalls = 0;
  let speed: Pick<ChatMetadata, "ttftMs" | "tokensPerSecond"> = {};
  let reasoningStartedAt: number | undefined;
  let reasoningMs = 0;
  let failed = false;
  const describeError = (error: unknown) => {
    failed = true;
    return describeStreamError(error);
  };
  const result = streamText({
    model,
    instructions: options.extraInstructions
      ? `${systemInstructions()}\n${options.extraInstructions}`
      : systemInstructions(),
    messages: await convertToModelMessages(messages, { tools, ignoreIncompleteToolCalls: true }),
    tools,
    toolApproval: chatToolApproval,
    experimental_toolApprovalSecret: options.approvalSecret,
    stopWhen: isStepCount(options.maxSteps ?? STREAM_SETTINGS.maxSteps),
    maxOutputTokens: STREAM_SETTINGS.maxOutputTokens,
    // The model (resolveModel's fallback chain) retries and falls back before the first token itself: see lib/ai/fallback.ts.
    maxRetries: 0,
    timeout: {
      toolMs: STREAM_SETTINGS.toolTimeoutMs,
      totalMs: options.maxDurationMs,
      // Only between chunks: the wait for the first one is the chain's, per model, so a stalled model can fall back.
      chunkMs: options.stallMs,
    },
    abortSignal: signal,
    onError: ({ error }) => {
      if (!signal.aborted) console.error("chat stream failed:", describeStreamError(error), error);
    },
  });

  const answer = toUIMessageStream<ChatTools, ChatMessage>({
    stream: endWithErrorPart(result.stream, (error) => {
      if (!signal.aborted) console.error("chat stream failed:", describeStreamError(error), error);
    }).pipeThrough(timeoutsAsErrors(signal, options.stallMs)),
    tools,
    messageMetadata: ({ part }) => {
      options.meter?.part(part);
      if (firstTokenAt === undefined && OUTPUT_PARTS.has(part.type)) firstTokenAt = Date.now();
      if (part.type === "tool-call") toolCalls++;
      if (part.type === "start") return { model: modelInfo.id };
      // How long the model thought: from each reasoning part's start to its end, summed.
      if (part.type === "reasoning-start") reasoningStartedAt = Date.now();
      if (part.type === "reasoning-end" && reasoningStartedAt !== undefined) {
        reasoningMs += Date.now() - reasoningStartedAt;
        reasoningStartedAt = undefined;
        return { ...answerer(), reasoningMs };
      }
      if (part.type === "finish") {
        speed = answerSpeed(startedAt, firstTokenAt, part.totalUsage.outputTokens);
        return { ...answerer(), usage: part.totalUsage, ...speed, ...(reasoningMs ? { reasoningMs } : {}) };
      }
      // Marks a stopped answer in the stream too, for pages that replay it (a resumed stream).
      if (part.type === "abort") return { ...answerer(), status: "stopped" };
      // The model that answers is known with the first output: a fallback is labelled while the answer streams.
      if (labelled || !answerer().fallbackFrom) return undefined;
      labelled = true;
      return answerer();
    },
    onError: describeError,
    // Tool errors go to the card as the model gets them: a tool's own are guarded (only ToolErrors and aborts get
    // out, lib/ai/tools/tool-error.ts), and the SDK's describe the model's arguments.
    redactToolErrors: false,
  });

  const stream = createUIMessageStream<ChatMessage>({
    originalMessages: messages,
    generateId: () => crypto.randomUUID(),
    onError: describeError,
    execute: async ({ writer }) => {
      let answerEnded!: () => void;
      const ended = new Promise<void>((resolve) => (answerEnded = resolve));
      writer.merge(answer.pipeThrough(new TransformStream({ flush: () => answerEnded() })));
      const title = await options.title?.make();
      // After the answer, so the title never splits it (it is made alongside, from the question). A failed
      // answer gets none: the chat keeps waiting for a title until a turn succeeds.
      await ended;
      if (title && !failed) {
        await options.title?.save(title);
        writer.write({ type: "data-title", data: { title }, transient: true });
      }
    },
    onEnd: async ({ responseMessage, isAborted, isCancelled }) => {
      options.meter?.end();
      const status: AnswerStatus = failed ? "error" : isAborted || isCancelled ? "stopped" : "complete";
      try {
        const stats: AnswerStats = {
          startedAt,
          ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - startedAt,
          tokensPerSecond: speed.tokensPerSecond,
          toolCalls,
        };
        await options.onAnswerEnd?.({ ...responseMessage, metadata: { ...responseMessage.metadata, ...answerer() } }, status, stats);
      } catch (error) {
        console.error("saving the answer failed:", error);
      }
    },
  });

  return createUIMessageStreamResponse({
    headers: HEADERS,
    keepAliveMs: STREAM_SETTINGS.keepAliveMs,
    stream,
  });
}

/** TTFT and the output's pace after the first token (none when too little came to measure). */
function answerSpeed(startedAt: number, firstTokenAt: number | undefined, outputTokens: number | undefined) {
  if (firstTokenAt === undefined) return {};
  const streamedMs = Date.now() - firstTokenAt;
  const tokensPerSecond = outputTokens && streamedMs > 0 ? Math.round((outputTokens / streamedMs) * 10_000) / 10 : undefined;
  return { ttftMs: firstTokenAt - startedAt, ...(tokensPerSecond ? { tokensPerSecond } : {}) };
}

export type CachedAnswerOptions = {
  text: string;
  modelInfo: ModelSummary;
  messages: ChatMessage[];
  /** A new conversation's title, sent after the answer (`data-title`). */
  title?: string;
  onAnswerEnd: (answer: ChatMessage) => Promise<void>;
};

/**
 * A shared answer (lib/chat/embed-cache.ts) as the same UI message stream a model's answer makes, its text in one
 * event (it is all there), marked `cached` in its metadata.
 */
export function streamCachedAnswer({ text, modelInfo, messages, title, onAnswerEnd }: CachedAnswerOptions): Response {
  const metadata = { model: modelInfo.id, cached: true };
  const stream = createUIMessageStream<ChatMessage>({
    originalMessages: messages,
    generateId: () => crypto.randomUUID(),
    execute: ({ writer }) => {
      writer.write({ type: "start", messageMetadata: metadata });
      writer.write({ type: "start-step" });
      writer.write({ type: "text-start", id: "text-0" });
      writer.write({ type: "text-delta", id: "text-0", delta: text });
      writer.write({ type: "text-end", id: "text-0" });
      writer.write({ type: "finish-step" });
      writer.write({ type: "finish", finishReason: "stop", messageMetadata: metadata });
      if (title) writer.write({ type: "data-title", data: { title }, transient: true });
    },
    onEnd: async ({ responseMessage }) => {
      try {
        await onAnswerEnd(responseMessage);
      } catch (error) {
        console.error("saving the answer failed:", error);
      }
    },
  });
  return createUIMessageStreamResponse({ headers: HEADERS, stream });
}
