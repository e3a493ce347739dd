import type { Page } from "@playwright/test";
import { test, expect, uniquePrompt } from "./fixtures";
import { FAKE_MODEL_ID, SLOW_MARKER, WORKER_URL } from "../support/e2e-env";
import { ALL_WORDS, startSlowAnswer, upstreamRequests } from "./slow-answer";
import type { ChatPage } from "./pages/chat-page";

/**
 * Resumable answers, in the worker (the chat's Conversation Durable Object): a reload mid-answer picks the answer up
 * where it is, without a second model call, and Stop still stops the model after a reload. The words of the `[slow]`
 * answer (./slow-answer.ts) tell whether anything was lost or repeated.
 */

/** The words of the answer, in order. */
async function words(chat: ChatPage): Promise<string[]> {
  return (await chat.text(chat.lastAssistant())).match(/word\d+/g) ?? [];
}

/** Reloads while the answer streams; the reloaded page resumes it (the text goes on growing). */
async function reloadMidAnswer(chat: ChatPage, page: Page, id: string): Promise<void> {
  await page.reload();
  await expect(page).toHaveURL(`/chat/${id}`);
  await expect(chat.userMessages).toHaveCount(1);
  await expect(chat.assistantMessages).toHaveCount(1);
  await expect(chat.lastAssistant()).toHaveAttribute("data-status", "streaming");
}

test.describe("resumable answers", () => {
  test("a reload mid-answer resumes the same answer to its end: nothing lost or repeated, one model call", async ({
    chat,
    page,
    request,
  }, testInfo) => {
    const prompt = uniquePrompt(`${SLOW_MARKER} resume after a reload`, testInfo);
    const id = await startSlowAnswer(chat, prompt);
    const beforeReload = (await words(chat)).length;

    await reloadMidAnswer(chat, page, id);
    // The resumed answer starts from its beginning and goes on live past where the old page was.
    await expect.poll(async () => (await words(chat)).length, { timeout: 10_000 }).toBeGreaterThan(beforeReload + 20);
    await chat.expectAnswered(chat.lastAssistant(), 30_000);
    expect(await words(chat)).toEqual(ALL_WORDS);
    await expect(chat.lastAssistant().getByTestId("message-status")).toHaveCount(0);

    // One model request, read to its end: the reload neither stopped it nor started another.
    expect(await upstreamRequests(request, prompt)).toEqual([{ status: 200, closedEarly: false }]);

    // Saved complete, and nothing is streaming any more.
    const resume = await page.request.get(`/api/chat/${id}/stream`);
    expect(resume.status()).toBe(204);
    await page.reload();
    await expect(chat.assistantMessages).toHaveCount(1);
    expect(await words(chat)).toEqual(ALL_WORDS);
    await expect(chat.lastAssistant().getByTestId("message-status")).toHaveCount(0);
  });

  test("a second tab on the same chat follows the answer live; another visitor gets 404", async ({
    chat,
    page,
    browser,
    request,
  }, testInfo) => {
    const prompt = uniquePrompt(`${SLOW_MARKER} two tabs`, testInfo);
    const id = await startSlowAnswer(chat, prompt);

    const second = await page.context().newPage();
    await second.goto(`/chat/${id}`);
    const secondAnswer = second.getByTestId("message-assistant").last();
    await expect(secondAnswer).toHaveAttribute("data-status", "streaming");
    await expect(secondAnswer).toHaveAttribute("data-status", "done", { timeout: 30_000 });
    await chat.expectAnswered(chat.lastAssistant(), 30_000);
    const secondWords = (await secondAnswer.getByTestId("assistant-text").allTextContents()).join("\n").match(/word\d+/g);
    expect(secondWords).toEqual(ALL_WORDS);
    expect(await words(chat)).toEqual(ALL_WORDS);
    expect(await upstreamRequests(request, prompt)).toEqual([{ status: 200, closedEarly: false }]);
    await second.close();

    // Another visitor can neither read nor stop it.
    const stranger = await browser.newContext();
    try {
      expect((await stranger.request.get(`${WORKER_URL}/api/chat/${id}/stream`)).status()).toBe(404);
      expect((await stranger.request.post(`${WORKER_URL}/api/chat/${id}/stop`)).status()).toBe(404);
    } finally {
      await stranger.close();
    }
  });

  test("Stop after a reload stops the model; the answer is saved as stopped", async ({ chat, page, request }, testInfo) => {
    const prompt = uniquePrompt(`${SLOW_MARKER} stop after a reload`, testInfo);
    const id = await startSlowAnswer(chat, prompt);
    await reloadMidAnswer(chat, page, id);
    await expect(chat.textOf(chat.lastAssistant())).toContainText("word40");

    await chat.stopButton.click();
    await chat.expectAnswered(chat.lastAssistant(), 5_000);
    await expect(chat.lastAssistant().getByTestId("message-status")).toHaveText("Stopped");
    await expect
      .poll(() => upstreamRequests(request, prompt), { message: "the model request was closed early", timeout: 5_000 })
      .toEqual([{ status: 200, closedEarly: true }]);

    // Saved as stopped, with the words up to the stop, in order.
    await expect
      .poll(async () => {
        const { messages } = (await (await page.request.get(`/api/chats/${id}`)).json()) as {
          messages: { role: string; metadata?: { status?: string } }[];
        };
        return messages.map((message) => `${message.role}:${message.metadata?.status}`);
      })
      .toEqual(["user:complete", "assistant:stopped"]);
    await page.reload();
    const stored = chat.lastAssistant();
    await expect(stored.getByTestId("message-status")).toHaveText("Stopped");
    const saved = await words(chat);
    expect(saved.length).toBeGreaterThanOrEqual(40);
    expect(saved.length).toBeLessThan(ALL_WORDS.length);
    expect(saved).toEqual(ALL_WORDS.slice(0, saved.length));
  });

  test("POST /api/chat/[id]/stop ends the generating stream within a moment (stop latency)", async ({ chat, page, request }, testInfo) => {
    await chat.open();
    const prompt = uniquePrompt(`${SLOW_MARKER} stop latency`, testInfo);
    const id = crypto.randomUUID();
    // In the page (its cookie, its origin): POST /api/chat, read the stream, stop it after 30 words.
    const result = await page.evaluate(
      async ({ id, prompt, model }) => {
        const message = { id: crypto.randomUUID(), role: "user", parts: [{ type: "text", text: prompt }] };
        const response = await fetch("/api/chat", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id, trigger: "submit-message", message, model }),
        });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = "";
        let stopSentAt = 0;
        let stopAnsweredAt = 0;
        let stopped: Promise<unknown> | undefined;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          if (!stopSentAt && (text.match(/word\d+/g)?.length ?? 0) >= 30) {
            stopSentAt = performance.now();
            stopped = fetch(`/api/chat/${id}/stop`, { method: "POST" }).then((stop) => {
              stopAnsweredAt = performance.now();
              return stop.json();
            });
          }
        }
        const endedAt = performance.now();
        return {
          stopBody: await stopped,
          stopRequestMs: stopAnsweredAt - stopSentAt,
          streamEndMs: endedAt - stopSentAt,
          words: text.match(/word\d+/g)?.length ?? 0,
          aborted: text.includes('"type":"abort"'),
        };
      },
      { id, prompt, model: FAKE_MODEL_ID },
    );
    testInfo.annotations.push({
      type: "stop latency",
      description: `POST …/stop answered in ${result.stopRequestMs.toFixed(0)} ms; the answer's stream ended ${result.streamEndMs.toFixed(0)} ms after the stop was sent`,
    });
    console.log(`stop latency: ${JSON.stringify(result)}`);
    expect(result.stopBody).toEqual({ stopped: true });
    expect(result.aborted).toBe(true);
    expect(result.words).toBeLessThan(ALL_WORDS.length);
    expect(result.streamEndMs).toBeLessThan(2_000);
    await expect
      .poll(() => upstreamRequests(request, prompt), { timeout: 5_000 })
      .toEqual([{ status: 200, closedEarly: true }]);
  });
});
