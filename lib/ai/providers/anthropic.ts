import { createAnthropic } from "@ai-sdk/anthropic";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { gatewayRoute } from "../gateway";
import { fetchWithStallTimeout } from "../stall";

const ANTHROPIC_API_URL = "https://api.anthropic.com/v1";

export function createAnthropicModel(env: AppEnv, modelId: string): LanguageModel {
  // Through AI Gateway when one is set and no other base URL is.
  const gateway = env.ANTHROPIC_BASE_URL ? undefined : gatewayRoute(env, "anthropic");
  const anthropic = createAnthropic({
    apiKey: env.ANTHROPIC_API_KEY,
    // Always set: left out, the package would read process.env itself, past lib/env.ts's validation.
    baseURL: env.ANTHROPIC_BASE_URL ?? gateway?.baseURL ?? ANTHROPIC_API_URL,
    headers: gateway?.headers,
    fetch: fetchWithStallTimeout(env.UPSTREAM_STALL_MS),
  });
  return anthropic.messages(modelId);
}
