import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { gatewayRoute } from "../gateway";
import { fetchWithStallTimeout } from "../stall";

export const OPENAI_API_URL = "https://api.openai.com/v1";

/** OpenAI-compatible servers (Ollama, vLLM, Groq, LM Studio, AI Gateway compat) speak Chat Completions only. */
export function openAIApi(env: AppEnv): "responses" | "chat" {
  if (env.OPENAI_API) return env.OPENAI_API;
  const baseURL = env.OPENAI_BASE_URL?.replace(/\/+$/, "");
  return !baseURL || baseURL === OPENAI_API_URL ? "responses" : "chat";
}

export function createOpenAIModel(env: AppEnv, modelId: string): LanguageModel {
  // Through AI Gateway when one is set and no other base URL is.
  const gateway = env.OPENAI_BASE_URL ? undefined : gatewayRoute(env, "openai");
  const openai = createOpenAI({
    apiKey: env.OPENAI_API_KEY,
    baseURL: env.OPENAI_BASE_URL ?? gateway?.baseURL ?? OPENAI_API_URL,
    headers: gateway?.headers,
    fetch: fetchWithStallTimeout(env.UPSTREAM_STALL_MS),
  });
  return openAIApi(env) === "chat" ? openai.chat(modelId) : openai.responses(modelId);
}
