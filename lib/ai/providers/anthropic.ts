import { createAnthropic } from "@ai-sdk/anthropic";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { fetchWithStallTimeout } from "../stall";

const ANTHROPIC_API_URL = "https://api.anthropic.com/v1";

export function createAnthropicModel(env: AppEnv, modelId: string): LanguageModel {
  const anthropic = createAnthropic({
    apiKey: env.ANTHROPIC_API_KEY,
    // Always set: left out, the package would read process.env itself, past lib/env.ts's validation.
    baseURL: env.ANTHROPIC_BASE_URL ?? ANTHROPIC_API_URL,
    fetch: fetchWithStallTimeout(env.UPSTREAM_STALL_MS),
  });
  return anthropic.messages(modelId);
}
