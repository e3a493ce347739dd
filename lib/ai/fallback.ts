import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, LanguageModelV4StreamResult } from "@ai-sdk/provider";
import { APICallError, StreamProviderError, wrapLanguageModel, type LanguageModel, type LanguageModelMiddleware } from "ai";
import type { ModelSummary } from "@/lib/chat/types";
import { UpstreamStalledError } from "./stall";

/**
 * One answer's model: the models of a MODEL_FALLBACKS chain, tried in order until one sends its first token.
 *
 * Each model gets one retry (429, 5xx, a failed connection), then the next model is asked. This is the only retry:
 * the AI SDK's own (streamText's `maxRetries`, which callers set to 0) does not fit, because
 * - it retries the whole call, so around a chain it would ask A, B, A, B instead of A, A, B;
 * - it sees only the HTTP status: a failure after the headers but before the first token (a stall, a dropped
 *   connection, an error event) is not retried;
 * - it waits whatever Retry-After says up to 60 s.
 * Once a model has sent a token, the answer is that model's: a later failure is an error in the stream (never a second
 * model's text after the first's), and later steps of the same answer (after a tool call) ask only that model.
 */

export type ChainModel = { info: ModelSummary; model: Exclude<LanguageModel, string> };

/** Without a Retry-After header, the retry waits this long. */
const RETRY_BACKOFF_MS = 1_000;
/** A Retry-After longer than this is not waited for: the next model is asked at once. */
const RETRY_AFTER_CAP_MS = 5_000;

/** Node's fetch says "fetch failed"/"terminated"; workerd says "Network connection lost.". */
export function isConnectionError(error: unknown): boolean {
  return error instanceof Error && /network connection lost|fetch failed|terminated|socket|ECONN/i.test(error.message);
}

/** 429, 5xx (and 408, 409), a connection that failed: worth asking again. */
function isRetryable(error: unknown): boolean {
  if (APICallError.isInstance(error) || StreamProviderError.isInstance(error)) return error.isRetryable;
  return isConnectionError(error);
}

/** Failures another model may not have: retryable ones, and a stall. Others (a bad key, a bad request) are final. */
function fallsBack(error: unknown): boolean {
  return isRetryable(error) || error instanceof UpstreamStalledError;
}

/** The wait before the retry (Retry-After, retry-after-ms or the backoff); undefined: no retry. */
function retryDelayMs(error: unknown): number | undefined {
  if (!isRetryable(error)) return undefined;
  const headers = APICallError.isInstance(error) ? (error.responseHeaders ?? {}) : {};
  const afterMs = headers["retry-after-ms"];
  const after = headers["retry-after"];
  let waitMs = RETRY_BACKOFF_MS;
  if (afterMs !== undefined && Number.isFinite(Number(afterMs))) waitMs = Number(afterMs);
  else if (after !== undefined) waitMs = Number.isFinite(Number(after)) ? Number(after) * 1000 : Date.parse(after) - Date.now();
  if (!(waitMs >= 0)) return RETRY_BACKOFF_MS;
  return waitMs <= RETRY_AFTER_CAP_MS ? waitMs : undefined;
}

/** Parts a model sends before any output: held back until its first token shows it is answering. */
const PREAMBLE = new Set<LanguageModelV4StreamPart["type"]>(["stream-start", "response-metadata", "text-start", "reasoning-start", "ping", "raw"]);

function isFirstToken(part: LanguageModelV4StreamPart): boolean {
  if (PREAMBLE.has(part.type)) return false;
  return !((part.type === "text-delta" || part.type === "reasoning-delta") && part.delta === "");
}

/** `promise`, or the signal's reason once it fires. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const wait = new Promise<void>((resolve) => setTimeout(resolve, ms));
  return signal ? abortable(wait, signal) : wait;
}

/**
 * One call to one model, resolved once its first token arrived (the parts before it are replayed). It fails with the
 * model's error, a failure in the stream before the first token, or UpstreamStalledError after `stallMs` without a
 * token: this covers every model, the Workers AI binding and the demo included (the stall-checking fetch covers HTTP
 * only).
 */
async function untilFirstToken(model: LanguageModelV4, params: LanguageModelV4CallOptions, stallMs: number): Promise<LanguageModelV4StreamResult> {
  const stall = new AbortController();
  const signal = params.abortSignal ? AbortSignal.any([params.abortSignal, stall.signal]) : stall.signal;
  const timer = setTimeout(() => stall.abort(new UpstreamStalledError(stallMs)), stallMs);
  let reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart> | undefined;
  try {
    const result = await abortable(Promise.resolve(model.doStream({ ...params, abortSignal: signal })), signal);
    reader = result.stream.getReader();
    const held: LanguageModelV4StreamPart[] = [];
    for (;;) {
      const { done, value } = await abortable(reader.read(), signal);
      // A failure of the model is the attempt's; any other error part (a line it could not parse) is the answer's.
      if (!done && value.type === "error" && fallsBack(value.error)) throw value.error;
      if (!done) held.push(value);
      if (done || isFirstToken(value)) return { ...result, stream: replay(held, reader) };
    }
  } catch (error) {
    reader?.cancel(error).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The held parts, then the rest of the model's stream. */
function replay(held: LanguageModelV4StreamPart[], reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart>) {
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      const next = held.shift();
      if (next) return controller.enqueue(next);
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** A model that takes no tools cannot answer a call that offers some. */
function canTake(link: { info: ModelSummary }, params: LanguageModelV4CallOptions): boolean {
  return link.info.supportsTools || !params.tools?.length;
}

/**
 * The chain as one language model (the first one's, wrapped). Use a fresh one per answer: it remembers which model
 * answered (`answeredBy`), so the answer's metadata can say it and the answer's later steps stay with that model.
 * `continuing`: the model that began the answer this call continues (after a tool approval), which keeps it.
 */
export function fallbackChain(
  chain: ChainModel[],
  stallMs: number,
  continuing?: string,
): { model: LanguageModelV4; answeredBy: () => ModelSummary | undefined; retries: () => number } {
  const links = chain.map((link) => ({ info: link.info, model: wrapLanguageModel({ model: link.model, middleware: [] }) }));
  let answered = links.find((link) => link.info.id === continuing);
  let retries = 0;

  const attempt = async (link: (typeof links)[number], params: LanguageModelV4CallOptions) => {
    try {
      return await untilFirstToken(link.model, params, stallMs);
    } catch (error) {
      const waitMs = retryDelayMs(error);
      if (waitMs === undefined || params.abortSignal?.aborted) throw error;
      console.warn(`model ${link.info.id} failed before its first token, retrying in ${waitMs} ms:`, summarize(error));
      await sleep(waitMs, params.abortSignal);
      retries++;
      return untilFirstToken(link.model, params, stallMs);
    }
  };

  const middleware: LanguageModelMiddleware = {
    async wrapStream({ params }) {
      // A later step of an answer that has begun: its model again (a retry here repeats no text: none of it was sent).
      if (answered) return attempt(answered, params);
      const candidates = links.filter((link, index) => index === 0 || canTake(link, params));
      for (let index = 0; ; index++) {
        const link = candidates[index];
        try {
          const result = await attempt(link, params);
          answered = link;
          return result;
        } catch (error) {
          const next = candidates[index + 1];
          if (!next || params.abortSignal?.aborted || !fallsBack(error)) throw error;
          console.warn(`model ${link.info.id} failed before its first token, falling back to ${next.info.id}:`, summarize(error));
        }
      }
    },
  };

  return { model: wrapLanguageModel({ model: links[0].model, middleware }), answeredBy: () => answered?.info, retries: () => retries };
}

/** What the log says about a failure: its status and message, not its request (which holds the prompt). */
function summarize(error: unknown): string {
  if (APICallError.isInstance(error) || StreamProviderError.isInstance(error)) return `HTTP ${error.statusCode ?? "-"} ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
