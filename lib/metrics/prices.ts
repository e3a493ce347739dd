import type { LanguageModelUsage } from "ai";

/** US dollars per million tokens: input (the prompt), output (the answer, reasoning included). */
export type Price = { input: number; output: number };

/**
 * List prices of the models this template offers by default (USD per million tokens, as the providers published them
 * in 2026; check yours). MODEL_PRICES overrides or adds entries (lib/env.ts). The demo costs nothing; a model with no
 * price gets no estimate (the usage page says so) rather than a wrong one.
 */
export const DEFAULT_PRICES: Record<string, Price> = {
  "demo:offline": { input: 0, output: 0 },
  "openai:gpt-4o-mini": { input: 0.15, output: 0.6 },
  "openai:gpt-4o": { input: 2.5, output: 10 },
  "openai:gpt-4.1": { input: 2, output: 8 },
  "openai:gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "openai:gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "openai:gpt-5": { input: 1.25, output: 10 },
  "openai:gpt-5-mini": { input: 0.25, output: 2 },
  "openai:gpt-5-nano": { input: 0.05, output: 0.4 },
  "anthropic:claude-haiku-4-5": { input: 1, output: 5 },
  "anthropic:claude-sonnet-4-5": { input: 3, output: 15 },
  "anthropic:claude-opus-4-1": { input: 15, output: 75 },
  "google:gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "google:gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
  "google:gemini-2.5-pro": { input: 1.25, output: 10 },
  "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast": { input: 0.29, output: 2.25 },
  "workers-ai:@cf/meta/llama-4-scout-17b-16e-instruct": { input: 0.27, output: 0.85 },
  "workers-ai:@cf/zai-org/glm-4.7-flash": { input: 0.06, output: 0.4 },
};

/** The answer's estimated cost in US dollars; undefined when the model has no price. */
export function estimateCost(
  model: string,
  usage: Pick<LanguageModelUsage, "inputTokens" | "outputTokens">,
  overrides: Record<string, Price>,
): number | undefined {
  const price = overrides[model] ?? DEFAULT_PRICES[model];
  if (!price) return undefined;
  return ((usage.inputTokens ?? 0) * price.input + (usage.outputTokens ?? 0) * price.output) / 1_000_000;
}
