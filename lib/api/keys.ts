import "server-only";
import { sha256Hex } from "@/lib/db/answer-cache";
import { apiKeyOwner, keyLedgerId } from "@/lib/db/api-keys";
import type { Database } from "@/lib/db/client";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * API keys of the OpenAI-compatible API: `Authorization: Bearer ec_…`. Two kinds, both stored only as SHA-256 digests:
 * a visitor's, made on /settings/keys (D1 `api_keys`, shown once), and the deployment's, listed in the `API_KEYS`
 * secret (lowercase hex, comma-separated; make one: `key=ec_$(openssl rand -hex 24); printf %s "$key" | sha256sum`).
 */

export const API_KEY_PREFIX = "ec_";

/** An accepted key: `id` names it for limits and budgets (never the key itself). */
export type ApiKey = { id: string };

/** A new key: the string (shown once), its digest and what the owner sees of it. */
export async function newApiKey(): Promise<{ key: string; digest: string; preview: string }> {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(24)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  const key = `${API_KEY_PREFIX}${random}`;
  return { key, digest: await sha256Hex(key), preview: `${key.slice(0, API_KEY_PREFIX.length + 4)}…` };
}


/** The request's key, or a 401 (none, or not one of this deployment's). */
export async function apiKeyOf(request: Request, env: Pick<AppEnv, "API_KEYS">, db: Database): Promise<ApiKey> {
  const header = request.headers.get("authorization") ?? "";
  const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!key) throw new AppError("unauthorized:api_key", "Send your API key as `Authorization: Bearer ec_…`.");
  const digest = await sha256Hex(key);
  // Digests, not keys, are compared and looked up: timing reveals nothing about a key.
  const known = key.startsWith(API_KEY_PREFIX) && (env.API_KEYS.includes(digest) || (await apiKeyOwner(db, digest)) !== undefined);
  if (!known) throw new AppError("unauthorized:api_key", "This API key is not valid.");
  return { id: keyLedgerId(digest) };
}
