import type { LanguageModel } from "ai";
import { createWorkersAI } from "workers-ai-provider";
import type { AppEnv } from "@/lib/env";

const CLOUDFLARE_API_URL = "https://api.cloudflare.com/client/v4";

/** Sends the provider's REST calls to WORKERS_AI_BASE_URL (a proxy or gateway) instead of Cloudflare's API. */
function redirectTo(baseURL: string): typeof fetch {
  const target = baseURL.replace(/\/+$/, "");
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const redirected = url.startsWith(CLOUDFLARE_API_URL) ? target + url.slice(CLOUDFLARE_API_URL.length) : url;
    return fetch(redirected, init);
  };
}

export function hasWorkersAI(env: AppEnv): boolean {
  return Boolean(env.AI || (env.CLOUDFLARE_ACCOUNT_ID && env.CLOUDFLARE_API_TOKEN));
}

export function createWorkersAIModel(env: AppEnv, modelId: string): LanguageModel {
  // Explicit REST credentials win over the binding, so a deployment can be pointed at another account or proxy.
  const workersAI =
    env.CLOUDFLARE_ACCOUNT_ID && env.CLOUDFLARE_API_TOKEN
      ? createWorkersAI({
          accountId: env.CLOUDFLARE_ACCOUNT_ID,
          apiKey: env.CLOUDFLARE_API_TOKEN,
          fetch: env.WORKERS_AI_BASE_URL ? redirectTo(env.WORKERS_AI_BASE_URL) : undefined,
        })
      : createWorkersAI({ binding: env.AI! });
  return workersAI(modelId as Parameters<typeof workersAI>[0]);
}
