import type { LanguageModel } from "ai";
import { createWorkersAI } from "workers-ai-provider";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { bindingGateway, gatewayRoute, type GatewayRoute } from "../gateway";
import { fetchWithStallTimeout } from "../stall";
import { watchedBody } from "../upstream-body";

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

/** The REST calls (`…/accounts/{account}/ai/run/{model}`) to the gateway's Workers AI path (`…/workers-ai/{model}`). */
function throughGateway(accountId: string, gateway: GatewayRoute): typeof fetch {
  const run = `${CLOUDFLARE_API_URL}/accounts/${accountId}/ai/run/`;
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(run)) return fetch(input, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(gateway.headers)) headers.set(name, value);
    return fetch(`${gateway.baseURL}/${url.slice(run.length)}`, { ...init, headers });
  };
}

/** The AI binding, its streamed answers with adjacent text events merged as the REST calls' are (lib/ai/upstream-body.ts). */
function mergingTextEvents(ai: NonNullable<AppEnv["AI"]>): NonNullable<AppEnv["AI"]> {
  return new Proxy(ai, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (key !== "run") return typeof value === "function" ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
        return result instanceof ReadableStream ? watchedBody(result, { sse: true }) : result;
      };
    },
  });
}

function createProvider(env: AppEnv) {
  const { AI, CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN, WORKERS_AI_BASE_URL, UPSTREAM_STALL_MS } = env;
  // Explicit REST credentials win over the binding, so a deployment can be pointed at another account or proxy.
  if (CLOUDFLARE_ACCOUNT_ID && CLOUDFLARE_API_TOKEN) {
    const gateway = WORKERS_AI_BASE_URL ? undefined : gatewayRoute(env, "workers-ai");
    const transport = WORKERS_AI_BASE_URL ? redirectTo(WORKERS_AI_BASE_URL) : gateway ? throughGateway(CLOUDFLARE_ACCOUNT_ID, gateway) : fetch;
    return createWorkersAI({
      accountId: CLOUDFLARE_ACCOUNT_ID,
      apiKey: CLOUDFLARE_API_TOKEN,
      fetch: fetchWithStallTimeout(UPSTREAM_STALL_MS, transport),
    });
  }
  if (AI) return createWorkersAI({ binding: mergingTextEvents(AI), gateway: bindingGateway(env) });
  throw new AppError("config:workers_ai", "Workers AI needs the AI binding or CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN.");
}

export function createWorkersAIModel(env: AppEnv, modelId: string): LanguageModel {
  const workersAI = createProvider(env);
  // Model ids come from configuration, so any id the account offers is allowed, not only the typed list.
  return workersAI(modelId as Parameters<typeof workersAI>[0]);
}
