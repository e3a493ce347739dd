import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * Cloudflare AI Gateway in front of the providers (caching, retries, analytics, rate limits), with AI_GATEWAY_ID:
 * the HTTP providers call the gateway's provider URLs instead of their own APIs
 * (`https://gateway.ai.cloudflare.com/v1/{account}/{gateway}/{provider}/…`, see ../shared/notes/cloudflare-runtime.md),
 * and the Workers AI binding gets the gateway as its `gateway` option. A provider with its own *_BASE_URL keeps it.
 */

const GATEWAY_URL = "https://gateway.ai.cloudflare.com/v1";

/** Each provider's path on the gateway, up to where its own API's base URL ends. */
const PROVIDER_PATHS = {
  openai: "openai",
  anthropic: "anthropic/v1",
  google: "google-ai-studio/v1beta",
  "workers-ai": "workers-ai",
} as const;

export type GatewayRoute = { baseURL: string; headers: Record<string, string> };

/** The gateway's headers: its token (an authenticated gateway) and a cache TTL. */
function gatewayHeaders(env: AppEnv): Record<string, string> {
  return {
    ...(env.AI_GATEWAY_TOKEN ? { "cf-aig-authorization": `Bearer ${env.AI_GATEWAY_TOKEN}` } : {}),
    ...(env.AI_GATEWAY_CACHE_TTL ? { "cf-aig-cache-ttl": String(env.AI_GATEWAY_CACHE_TTL) } : {}),
  };
}

/** Where an HTTP provider goes through the gateway; undefined without a gateway. */
export function gatewayRoute(env: AppEnv, provider: keyof typeof PROVIDER_PATHS): GatewayRoute | undefined {
  if (!env.AI_GATEWAY_ID) return undefined;
  if (!env.CLOUDFLARE_ACCOUNT_ID) {
    throw new AppError("config:ai_gateway", "AI_GATEWAY_ID needs CLOUDFLARE_ACCOUNT_ID: the gateway's URLs name the account.");
  }
  const base = (env.AI_GATEWAY_URL ?? GATEWAY_URL).replace(/\/+$/, "");
  return {
    baseURL: `${base}/${env.CLOUDFLARE_ACCOUNT_ID}/${env.AI_GATEWAY_ID}/${PROVIDER_PATHS[provider]}`,
    headers: gatewayHeaders(env),
  };
}

/** The Workers AI binding's `gateway` option; undefined without a gateway. */
export function bindingGateway(env: AppEnv): { id: string; cacheTtl?: number } | undefined {
  if (!env.AI_GATEWAY_ID) return undefined;
  return { id: env.AI_GATEWAY_ID, ...(env.AI_GATEWAY_CACHE_TTL ? { cacheTtl: env.AI_GATEWAY_CACHE_TTL } : {}) };
}
