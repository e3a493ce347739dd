import "server-only";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * API keys of the OpenAI-compatible API: `Authorization: Bearer ec_…`. A deployment lists the SHA-256 digests of its
 * keys in the `API_KEYS` secret (lowercase hex, comma-separated), so the keys themselves are stored nowhere.
 * Make one: `key=ec_$(openssl rand -hex 24); printf %s "$key" | sha256sum`.
 */

export const API_KEY_PREFIX = "ec_";

/** An accepted key: `id` names it for limits and budgets (never the key itself). */
export type ApiKey = { id: string };

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The request's key, or a 401 (none, not ours, or none configured). */
export async function apiKeyOf(request: Request, env: Pick<AppEnv, "API_KEYS">): Promise<ApiKey> {
  const header = request.headers.get("authorization") ?? "";
  const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!key) throw new AppError("unauthorized:api_key", "Send your API key as `Authorization: Bearer ec_…`.");
  const digest = await sha256Hex(key);
  // Digests, not keys, are compared: timing reveals nothing about a key.
  if (!key.startsWith(API_KEY_PREFIX) || !env.API_KEYS.includes(digest)) {
    throw new AppError("unauthorized:api_key", "This API key is not valid.");
  }
  return { id: `key:${digest}` };
}
