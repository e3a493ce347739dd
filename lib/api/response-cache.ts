import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { waitUntil } from "@/lib/chat/session";
import type { AppEnv } from "@/lib/env";
import { sha256Hex, type ApiKey } from "./keys";
import type { ChatCompletionRequest, CompletionBuilder, usageOf } from "./openai-format";

/**
 * The API's opt-in answer cache, in Workers KV (binding RESPONSE_CACHE): with `RESPONSE_CACHE_TTL` set, a request with
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
  /** KV keeps entries at least 60 s: shorter TTLs are enforced here. */
  expiresAt: number;
};

export type ResponseCache = {
  get(): Promise<CachedCompletion | undefined>;
  /** Stores the answer; resolves once stored (never rejects: a failed write only loses the entry). */
  put(answer: Omit<CachedCompletion, "expiresAt">): Promise<void>;
};

/** KV's shortest expiration. */
const KV_MIN_TTL_SECONDS = 60;

/** The cache for this request, or undefined when it does not apply (off, not asked for, no binding). */
export async function responseCacheFor(
  request: Request,
  env: Pick<AppEnv, "RESPONSE_CACHE_TTL">,
  key: ApiKey,
  body: ChatCompletionRequest,
): Promise<ResponseCache | undefined> {
  const ttl = env.RESPONSE_CACHE_TTL;
  const asked = body.temperature === 0 || request.headers.get(CACHE_HEADER) === "on";
  if (!ttl || !asked) return undefined;
  let kv: KVNamespace | undefined;
  try {
    kv = (await getCloudflareContext({ async: true })).env.RESPONSE_CACHE;
  } catch {
    return undefined;
  }
  if (!kv) return undefined;
  const { model, messages, tools, tool_choice, temperature, top_p, max_tokens, max_completion_tokens, stop, seed } = body;
  const id = await sha256Hex(
    JSON.stringify([key.id, model, messages, tools, tool_choice, temperature, top_p, max_tokens, max_completion_tokens, stop, seed]),
  );
  const store = kv;
  return {
    async get() {
      const cached = await store.get<CachedCompletion>(id, "json");
      return cached && cached.expiresAt > Date.now() ? cached : undefined;
    },
    put(answer) {
      const value: CachedCompletion = { ...answer, expiresAt: Date.now() + ttl * 1000 };
      const saving = store
        .put(id, JSON.stringify(value), { expirationTtl: Math.max(ttl, KV_MIN_TTL_SECONDS) })
        .catch((error) => console.error("v1: caching the answer:", error));
      waitUntil(saving);
      return saving;
    },
  };
}
