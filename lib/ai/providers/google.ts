import { createGoogle } from "@ai-sdk/google";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { fetchWithStallTimeout } from "../stall";

const GOOGLE_API_URL = "https://generativelanguage.googleapis.com/v1beta";

export function createGoogleModel(env: AppEnv, modelId: string): LanguageModel {
  const google = createGoogle({
    apiKey: env.GOOGLE_GENERATIVE_AI_API_KEY,
    baseURL: env.GOOGLE_BASE_URL ?? GOOGLE_API_URL,
    fetch: fetchWithStallTimeout(env.UPSTREAM_STALL_MS),
  });
  return google.chat(modelId);
}
