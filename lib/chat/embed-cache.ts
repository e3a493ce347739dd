import "server-only";
import { cacheEntry, sha256Hex, type CacheEntry } from "@/lib/db/answer-cache";
import type { AppEnv } from "@/lib/env";
import type { ChatMessage } from "./types";

/**
 * The widget's shared opening answers (EMBED_CACHE_TTL, Workers KV): a site's visitors mostly open with the same few
 * questions, so the first answer to an opening question is kept and given to the next visitor who opens with it
 * (the same words, any case or spacing), without a model call or a token spent. Only answers in plain text are kept:
 * one that used a tool (the page's context, the time) was about that visitor.
 */

/** A longer opening message is not a common question. */
const MAX_QUESTION_LENGTH = 300;

const textOf = (message: ChatMessage) =>
  message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");

/** The cache entry for this turn, when it is an embedded chat's first question and the cache is on. */
export async function embedCacheFor(
  env: Pick<AppEnv, "EMBED_CACHE_TTL" | "EMBED_INSTRUCTIONS">,
  turn: { embedded: boolean; model: string; history: ChatMessage[]; messages: ChatMessage[] },
): Promise<CacheEntry<string> | undefined> {
  const [question, ...rest] = turn.messages;
  if (!env.EMBED_CACHE_TTL || !turn.embedded || turn.history.length > 0 || rest.length > 0 || question?.role !== "user") {
    return undefined;
  }
  const words = textOf(question).trim().toLowerCase().replace(/\s+/g, " ");
  if (!words || words.length > MAX_QUESTION_LENGTH) return undefined;
  // The site's instructions are part of the answer: a new text starts a new cache.
  const id = await sha256Hex(JSON.stringify([turn.model, env.EMBED_INSTRUCTIONS ?? "", words]));
  return cacheEntry<string>(`embed:${id}`, env.EMBED_CACHE_TTL);
}

/** The answer's text if it may be shared: text only, no tool calls. */
export function shareableText(answer: ChatMessage): string | undefined {
  const onlyText = answer.parts.every((part) => part.type === "text" || part.type === "step-start");
  const text = textOf(answer);
  return onlyText && text ? text : undefined;
}
