import type { APIRequestContext } from "@playwright/test";
import { expect } from "./fixtures";
import type { ChatPage } from "./pages/chat-page";
import { FAKE_MODEL_ID, UPSTREAM_URL, type UpstreamLogEntry } from "../support/e2e-env";

/** The fake upstream's `[slow]` answer: "word1 … word400", 30 ms apart (about 12 s), so lost or repeated text shows. */
export const ALL_WORDS = Array.from({ length: 400 }, (_, i) => `word${i + 1}`);

/** The upstream's requests for this prompt: their status, and whether the worker closed them before their end. */
export async function upstreamRequests(request: APIRequestContext, prompt: string) {
  const response = await request.get(`${UPSTREAM_URL}/__e2e/log`, { params: { contains: prompt } });
  const entries = (await response.json()) as UpstreamLogEntry[];
  return entries.map((entry) => ({ status: entry.status, closedEarly: entry.closedEarly }));
}

/** Sends a `[slow]` prompt in a new chat and waits for its first words; resolves with the chat's id. */
export async function startSlowAnswer(chat: ChatPage, prompt: string): Promise<string> {
  await chat.open();
  await chat.selectModel(FAKE_MODEL_ID);
  await chat.send(prompt);
  const id = await chat.chatIdFromUrl();
  await expect(chat.textOf(chat.lastAssistant())).toContainText("word10");
  return id;
}
