import "server-only";
import type { LanguageModel } from "ai";
import type { AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ModelCapability, ModelSummary } from "@/lib/chat/types";
import { fallbackChain } from "./fallback";
import { createAnthropicModel } from "./providers/anthropic";
import { createDemoModel, DEMO_MODEL_ID } from "./providers/demo";
import { createGoogleModel } from "./providers/google";
import { createOpenAIModel } from "./providers/openai";
import { createWorkersAIModel, hasWorkersAI } from "./providers/workers-ai";

type Provider = ModelSummary["provider"];

const DEFAULT_OPENAI_MODELS = ["gpt-4o-mini", "gpt-4.1-mini"];
const DEFAULT_WORKERS_AI_MODELS = [
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
  "@cf/zai-org/glm-4.7-flash",
  "@cf/meta/llama-4-scout-17b-16e-instruct",
];
const DEFAULT_ANTHROPIC_MODELS = ["claude-haiku-4-5", "claude-sonnet-4-5"];
const DEFAULT_GOOGLE_MODELS = ["gemini-2.5-flash", "gemini-2.5-pro"];

type Capabilities = Pick<ModelSummary, ModelCapability>;

const can = (...capabilities: ModelCapability[]): Capabilities => ({
  supportsTools: capabilities.includes("supportsTools"),
  supportsReasoning: capabilities.includes("supportsReasoning"),
  supportsImages: capabilities.includes("supportsImages"),
});

/**
 * The Workers AI models the project knows (workers-ai-provider's README and CHANGELOG, Cloudflare's model pages).
 * Any other id chats without tools and claims nothing.
 */
const WORKERS_AI_MODELS: Record<string, Capabilities> = {
  "@cf/meta/llama-3.3-70b-instruct-fp8-fast": can("supportsTools"),
  "@cf/meta/llama-4-scout-17b-16e-instruct": can("supportsTools", "supportsImages"),
  "@cf/zai-org/glm-4.7-flash": can("supportsTools", "supportsReasoning"),
  "@cf/moonshotai/kimi-k2.5": can("supportsTools", "supportsReasoning", "supportsImages"),
  "@cf/moonshotai/kimi-k2.7-code": can("supportsTools", "supportsReasoning", "supportsImages"),
  "@cf/openai/gpt-oss-120b": can("supportsTools", "supportsReasoning"),
  "@cf/openai/gpt-oss-20b": can("supportsTools", "supportsReasoning"),
  "@hf/nousresearch/hermes-2-pro-mistral-7b": can("supportsTools"),
  "@cf/qwen/qwq-32b": can("supportsReasoning"),
};

/** o-series and gpt-5 onwards reason, but not gpt-5-chat (the rule @ai-sdk/openai's model catalog uses). */
const OPENAI_REASONING = /^(o\d|gpt-([5-9]|\d{2,})(?!-chat)|gpt-oss)/;
/** gpt-5-chat takes no tools (@ai-sdk/openai's model catalog). */
const OPENAI_NO_TOOLS = /^gpt-\d+-chat/;
/** Vision since gpt-4-turbo and gpt-4o; of the o-series, o1-mini, o1-preview and o3-mini are text only. */
const OPENAI_IMAGES = /^(gpt-4o|gpt-4-turbo|gpt-4\.[15]|gpt-([5-9]|\d{2,}))|^o([1-9](?!-mini|-preview)|4-mini)/;
/** Extended thinking since Claude 3.7 (claude-3-7-sonnet, then claude-sonnet-4, claude-opus-4-1, claude-haiku-4-5…). */
const CLAUDE_REASONING = /^claude-(3-7-|[a-z]+-\d)/;
/** Gemma models served by the Gemini API ("gemma-3-27b-it", "models/gemma-3n-e4b-it"): no function calling there. */
const GEMMA_MODEL = /(^|\/)gemma-/;
/** Gemini 2.5 and later think; so do the older "-thinking" models. */
const GEMINI_REASONING = /(^|\/)gemini-(2\.5|[3-9]|\d{2,})|thinking/;

/**
 * What a model can do, by its family. OpenAI's rules also apply to its names on OpenAI-compatible servers; a name
 * they do not know (an Ollama model, say) takes tools and claims nothing more. Every Claude and Gemini model reads
 * images.
 */
function capabilities(provider: Provider, modelId: string): Capabilities {
  switch (provider) {
    case "openai":
      return {
        supportsTools: !OPENAI_NO_TOOLS.test(modelId),
        supportsReasoning: OPENAI_REASONING.test(modelId),
        supportsImages: OPENAI_IMAGES.test(modelId),
      };
    case "workers-ai":
      return WORKERS_AI_MODELS[modelId] ?? can();
    case "anthropic":
      return { supportsTools: true, supportsReasoning: CLAUDE_REASONING.test(modelId), supportsImages: true };
    case "google":
      return GEMMA_MODEL.test(modelId) ? can() : { supportsTools: true, supportsReasoning: GEMINI_REASONING.test(modelId), supportsImages: true };
    case "demo":
      return can("supportsTools", "supportsReasoning");
  }
}

const builders: Record<Provider, (env: AppEnv, modelId: string) => LanguageModel> = {
  openai: createOpenAIModel,
  "workers-ai": createWorkersAIModel,
  anthropic: createAnthropicModel,
  google: createGoogleModel,
  demo: (env) => createDemoModel({ delayMs: env.DEMO_DELAY_MS }),
};

function parseModelId(id: string): { provider: Provider; modelId: string } | undefined {
  const colon = id.indexOf(":");
  const provider = id.slice(0, colon);
  const modelId = id.slice(colon + 1);
  if (colon <= 0 || !modelId || !(provider in builders)) return undefined;
  return { provider: provider as Provider, modelId };
}

function summary(provider: Provider, modelId: string): Omit<ModelSummary, "isDefault"> {
  return {
    id: `${provider}:${modelId}`,
    label: provider === "demo" ? "Offline demo" : modelId.split("/").at(-1)!,
    provider,
    ...capabilities(provider, modelId),
    isDemo: provider === "demo",
  };
}

/** The models this configuration offers, default first-class marked. Demo only when nothing else is set (or asked for). */
export function listModels(env: AppEnv): ModelSummary[] {
  const offered: Omit<ModelSummary, "isDefault">[] = [];
  if (env.OPENAI_API_KEY) {
    const ids = env.OPENAI_MODELS.length ? env.OPENAI_MODELS : DEFAULT_OPENAI_MODELS;
    offered.push(...ids.map((id) => summary("openai", id)));
  }
  if (hasWorkersAI(env)) {
    const ids = env.WORKERS_AI_MODELS.length ? env.WORKERS_AI_MODELS : DEFAULT_WORKERS_AI_MODELS;
    offered.push(...ids.map((id) => summary("workers-ai", id)));
  }
  if (env.ANTHROPIC_API_KEY) {
    const ids = env.ANTHROPIC_MODELS.length ? env.ANTHROPIC_MODELS : DEFAULT_ANTHROPIC_MODELS;
    offered.push(...ids.map((id) => summary("anthropic", id)));
  }
  if (env.GOOGLE_GENERATIVE_AI_API_KEY) {
    const ids = env.GOOGLE_MODELS.length ? env.GOOGLE_MODELS : DEFAULT_GOOGLE_MODELS;
    offered.push(...ids.map((id) => summary("google", id)));
  }
  if (offered.length === 0 || env.ENABLE_DEMO_MODEL) offered.push(summary("demo", DEMO_MODEL_ID));

  let defaultId = offered[0].id;
  if (env.DEFAULT_MODEL) {
    const parsed = parseModelId(env.DEFAULT_MODEL);
    const providerOffered = parsed && offered.some((model) => model.provider === parsed.provider);
    if (!parsed || !providerOffered) {
      throw new AppError(
        "config:default_model",
        `DEFAULT_MODEL "${env.DEFAULT_MODEL}" names a provider that is not configured. Use provider:model, e.g. openai:gpt-4o-mini.`,
      );
    }
    if (!offered.some((model) => model.id === env.DEFAULT_MODEL)) offered.unshift(summary(parsed.provider, parsed.modelId));
    defaultId = `${parsed.provider}:${parsed.modelId}`;
  }
  return offered.map((model) => ({ ...model, isDefault: model.id === defaultId }));
}

/**
 * Resolves a model id from a request (or the default) to a language model; unknown ids are the caller's error. The
 * model is the head of its MODEL_FALLBACKS chain when one starts with it (lib/ai/fallback.ts); `answeredBy` says which
 * model of the chain answered. A fresh one per answer. `continuing`: the model that wrote the answer being continued.
 */
export function resolveModel(
  env: AppEnv,
  requested?: string,
  continuing?: string,
): { info: ModelSummary; model: LanguageModel } & Omit<ReturnType<typeof fallbackChain>, "model"> {
  const models = listModels(env);
  const info = requested ? models.find((model) => model.id === requested) : models.find((model) => model.isDefault);
  if (!info) {
    throw new AppError(
      "bad_request:model",
      `Unknown model "${requested}". Available: ${models.map((model) => model.id).join(", ")}.`,
    );
  }
  const [, ...fallbacks] = env.MODEL_FALLBACKS.get(info.id) ?? [info.id];
  const chain = [info, ...fallbacks.map((id) => fallbackSummary(models, id))].map((link) => {
    const { provider, modelId } = parseModelId(link.id)!;
    return { info: link, model: builders[provider](env, modelId) as Exclude<LanguageModel, string> };
  });
  return { info, ...fallbackChain(chain, env.UPSTREAM_STALL_MS, continuing) };
}

/** A fallback may be any model of a configured provider, offered in the picker or not. */
function fallbackSummary(models: ModelSummary[], id: string): ModelSummary {
  const offered = models.find((model) => model.id === id);
  if (offered) return offered;
  const parsed = parseModelId(id);
  if (!parsed || !models.some((model) => model.provider === parsed.provider)) {
    throw new AppError("config:model_fallbacks", `MODEL_FALLBACKS names "${id}", whose provider is not configured.`);
  }
  return { ...summary(parsed.provider, parsed.modelId), isDefault: false };
}
