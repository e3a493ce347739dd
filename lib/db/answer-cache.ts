import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { waitUntil } from "@/lib/chat/session";

/**
 * Cached answers in Workers KV (binding RESPONSE_CACHE): the API's (lib/api/response-cache.ts) and the widget's
 * opening answers (lib/chat/embed-cache.ts). One entry per key string, kept `ttlSeconds`: KV keeps an entry at least
 * 60 s, so shorter lives are enforced here with the entry's own expiry.
 */

export type CacheEntry<T> = {
  get(): Promise<T | undefined>;
  /** Stores the value; resolves once stored (never rejects: a failed write only loses the entry). */
  put(value: T): Promise<void>;
};

/** KV's shortest expiration. */
const KV_MIN_TTL_SECONDS = 60;

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The entry under `key`, or undefined where there is no KV binding (next dev without it, unit tests). */
export async function cacheEntry<T>(key: string, ttlSeconds: number): Promise<CacheEntry<T> | undefined> {
  let kv: KVNamespace | undefined;
  try {
    kv = (await getCloudflareContext({ async: true })).env.RESPONSE_CACHE;
  } catch {
    return undefined;
  }
  if (!kv) return undefined;
  const store = kv;
  return {
    async get() {
      const cached = await store.get<{ value: T; expiresAt: number }>(key, "json");
      return cached && cached.expiresAt > Date.now() ? cached.value : undefined;
    },
    put(value) {
      const saving = store
        .put(key, JSON.stringify({ value, expiresAt: Date.now() + ttlSeconds * 1000 }), {
          expirationTtl: Math.max(ttlSeconds, KV_MIN_TTL_SECONDS),
        })
        .catch((error) => console.error("caching an answer:", error));
      waitUntil(saving);
      return saving;
    },
  };
}
