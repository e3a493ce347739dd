import "server-only";
import { cacheEntry, sha256Hex, type CacheEntry } from "@/lib/db/answer-cache";
import type { AppEnv } from "@/lib/env";
import type { ApiKey } from "./keys";
import type { ChatCompletionRequest, CompletionBuilder, usageOf } from "./openai-format";

/**
 * The API's opt-in answer cache (lib/db/answer-cache.ts, Workers KV): with `RESPONSE_CACHE_TTL` set, a request with
 * `temperature: 0` or `x-edge-chat-cache: on` is answered from an identical earlier one of the same key (same model,
 * messages, tools and settings), in the same format, without asking the model or spending the key's budget.
 */

export const CACHE_HEADER = "x-edge-chat-cache";

/** What is kept of an answer. */
export type CachedCompletion = {
  text: string;
  toolCalls: CompletionBuilder["toolCalls"];
  finishReason: string;
  usage: ReturnType<typeof usageOf>;
};

/** The cache for this request, or undefined when it does not apply (off, not asked for, no binding). */
export async function responseCacheFor(
  request: Request,
  env: Pick<AppEnv, "RESPONSE_CACHE_TTL">,
  key: ApiKey,
  body: ChatCompletionRequest,
): Promise<CacheEntry<CachedCompletion> | undefined> {
  const ttl = env.RESPONSE_CACHE_TTL;
  const asked = body.temperature === 0 || request.headers.get(CACHE_HEADER) === "on";
  if (!ttl || !asked) return undefined;
  const { model, messages, tools, tool_choice, temperature, top_p, max_tokens, max_completion_tokens, stop, seed } = body;
  const id = await sha256Hex(
    JSON.stringify([key.id, model, messages, tools, tool_choice, temperature, top_p, max_tokens, max_completion_tokens, stop, seed]),
  );
  return cacheEntry<CachedCompletion>(`api:${id}`, ttl);
}
