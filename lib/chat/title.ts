import "server-only";
import { isTextUIPart, streamText, type LanguageModel } from "ai";
import type { ChatMessage, ModelSummary } from "./types";

const MAX_TITLE = 60;

/** The first words of the question: the demo model's title, and the fallback when a model cannot make one. */
export function titleFromText(text: string): string {
  const words = text.replace(/\s+/g, " ").trim().split(" ").slice(0, 8).join(" ");
  const title = words.length > MAX_TITLE ? `${words.slice(0, MAX_TITLE - 1).trimEnd()}…` : words;
  return title ? title.charAt(0).toUpperCase() + title.slice(1) : "New chat";
}

function cleanTitle(text: string): string {
  return text
    .replace(/^["'“”\s#*]+|["'“”\s.*]+$/g, "")
    .replace(/^title:\s*/i, "")
    .replace(/\s+/g, " ")
    .slice(0, MAX_TITLE)
    .trim();
}

export type TitleOptions = {
  model: LanguageModel;
  /** The model asked (the head of its fallback chain). */
  modelInfo: ModelSummary;
  /** The model of the chain that answered, once one has (resolveModel). */
  answeredBy: () => ModelSummary | undefined;
  question: ChatMessage;
  /** "model" asks the chat's model; "prompt" uses the question's first words (no extra call). */
  mode: "model" | "prompt";
  signal: AbortSignal;
};

const TITLE_MAX_OUTPUT = 24;
const TITLE_PROMPT_MAX = 2_000;
/** The most a title call can cost: the question (about four characters per token), the instructions, the output. */
export const TITLE_MAX_TOKENS = Math.ceil(TITLE_PROMPT_MAX / 4) + 60 + TITLE_MAX_OUTPUT;

/** Whether making a title asks the model (a call that costs tokens), or takes the question's first words. */
export function titleAsksModel(mode: TitleOptions["mode"], modelInfo: ModelSummary): boolean {
  return mode === "model" && !modelInfo.isDemo;
}

/**
 * A short title for a new conversation, made from its first question, and the tokens it cost (counted in the daily
 * budgets). Never throws: it falls back to the question.
 */
export async function generateTitle({ model, modelInfo, answeredBy, question, mode, signal }: TitleOptions): Promise<{ text: string; tokens: number }> {
  const text = question.parts.filter(isTextUIPart).map((part) => part.text).join(" ");
  const fallback = titleFromText(text);
  if (!titleAsksModel(mode, modelInfo)) return { text: fallback, tokens: 0 };
  const prompt = text.slice(0, TITLE_PROMPT_MAX);
  // When the provider does not say (a failed call), about four characters per token of what was sent, plus the output.
  let tokens = Math.ceil(prompt.length / 4) + TITLE_MAX_OUTPUT;
  const stop = new AbortController();
  try {
    // Streamed like the answer: every provider path here (and every OpenAI-compatible server) speaks streaming.
    const result = streamText({
      model,
      instructions:
        "Write a title of 2 to 6 words for a conversation that starts with the user's message below. Reply with the title only: no quotes, no punctuation at the end.",
      prompt,
      maxOutputTokens: TITLE_MAX_OUTPUT,
      maxRetries: 0,
      abortSignal: AbortSignal.any([signal, stop.signal, AbortSignal.timeout(10_000)]),
      onError: () => {},
    });
    let title = "";
    for await (const delta of result.textStream) {
      // The chain fell back to the demo model, whose canned answer is no title: stopped at its first word.
      if (answeredBy()?.isDemo) {
        stop.abort();
        return { text: fallback, tokens };
      }
      title += delta;
    }
    tokens = (await result.totalUsage).totalTokens ?? tokens;
    return { text: cleanTitle(title) || fallback, tokens };
  } catch {
    return { text: fallback, tokens };
  }
}
