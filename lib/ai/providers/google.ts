import { createGoogle } from "@ai-sdk/google";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { gatewayRoute } from "../gateway";
import { fetchWithStallTimeout } from "../stall";

const GOOGLE_API_URL = "https://generativelanguage.googleapis.com/v1beta";

export function createGoogleModel(env: AppEnv, modelId: string): LanguageModel {
  // Through AI Gateway when one is set and no other base URL is.
  const gateway = env.GOOGLE_BASE_URL ? undefined : gatewayRoute(env, "google");
  const google = createGoogle({
    apiKey: env.GOOGLE_GENERATIVE_AI_API_KEY,
    baseURL: env.GOOGLE_BASE_URL ?? gateway?.baseURL ?? GOOGLE_API_URL,
    headers: gateway?.headers,
    fetch: fetchWithStallTimeout(env.UPSTREAM_STALL_MS),
  });
  return google.chat(modelId);
}
