import type { BrowserContext, TestInfo } from "@playwright/test";
import { test, expect, uniquePrompt } from "./fixtures";
import { ChatPage } from "./pages/chat-page";
import { FAKE_MODEL_ID, RESTART_INSPECTOR_PORT, RESTART_WORKER_PORT, SLOW_MARKER } from "../support/e2e-env";
import { startTestWorker, type TestWorker } from "../support/e2e-worker";
import { ALL_WORDS, startSlowAnswer, upstreamRequests } from "./slow-answer";

/**
 * Each chat is owned by its conversation object (lib/chat/conversation-core.ts), not by the request of the page that
 * asked: the answer goes on, and is stored whole, when that page is gone; every page on the chat sees the same answer
 * live; one turn runs at a time; a restart mid-answer keeps what was written.
 */
type StoredMessage = { role: string; parts: { type: string; text?: string }[]; metadata?: { status?: string } };

async function stored(context: BrowserContext, id: string): Promise<StoredMessage[]> {
  const response = await context.request.get(`/api/chats/${id}`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { messages: StoredMessage[] }).messages;
}

const wordsOf = (message: StoredMessage | undefined) =>
  (message?.parts ?? []).map((part) => part.text ?? "").join(" ").match(/word\d+/g) ?? [];

/** A chat with one question answered by the fake model; resolves with its id. */
async function chatWithOneAnswer(chat: ChatPage, testInfo: TestInfo): Promise<string> {
  await chat.open();
  await chat.selectModel(FAKE_MODEL_ID);
  await chat.send(uniquePrompt("a first question", testInfo));
  await chat.expectAnswered();
  return chat.chatIdFromUrl();
}

const pageWords = async (chat: ChatPage) => (await chat.text(chat.lastAssistant())).match(/word\d+/g) ?? [];

test.describe("conversation objects", () => {
  test("the page that asked closes mid-answer: the answer goes on to its end, is stored whole and reaches another reader; one model call", async ({
    chat,
    page,
    request,
  }, testInfo) => {
    const prompt = uniquePrompt(`${SLOW_MARKER} close the page`, testInfo);
    const id = await startSlowAnswer(chat, prompt);
    const context = page.context();
    await page.close();

    // The request that asked is gone; the answer still streams, into storage and to a page opened now.
    const reader = new ChatPage(await context.newPage());
    await reader.openChat(id);
    await expect(reader.lastAssistant()).toHaveAttribute("data-status", "streaming");
    await reader.expectAnswered(reader.lastAssistant(), 30_000);
    await expect.poll(() => pageWords(reader)).toEqual(ALL_WORDS);

    const messages = await stored(context, id);
    expect(messages.map((message) => `${message.role}:${message.metadata?.status}`)).toEqual(["user:complete", "assistant:complete"]);
    expect(wordsOf(messages[1])).toEqual(ALL_WORDS);
    expect(await upstreamRequests(request, prompt)).toEqual([{ status: 200, closedEarly: false }]);
  });

  test("a second page open on the chat sees the first page's question and its answer stream live, without reloading", async ({
    chat,
    page,
  }, testInfo) => {
    const id = await chatWithOneAnswer(chat, testInfo);

    const second = new ChatPage(await page.context().newPage());
    await second.openChat(id);
    await expect(second.userMessages).toHaveCount(1);

    const prompt = uniquePrompt(`${SLOW_MARKER} seen live in another tab`, testInfo);
    await chat.page.bringToFront();
    await chat.send(prompt);
    // The other page, untouched: the question appears, then the answer grows word by word.
    await expect(second.userMessages).toHaveCount(2, { timeout: 10_000 });
    await expect(second.userMessages.last()).toContainText(prompt);
    await expect(second.lastAssistant()).toHaveAttribute("data-status", "streaming");
    await expect(second.textOf(second.lastAssistant())).toContainText("word20");
    await second.expectAnswered(second.lastAssistant(), 30_000);
    await chat.expectAnswered(chat.lastAssistant(), 30_000);
    await expect.poll(() => pageWords(second)).toEqual(ALL_WORDS);
    await expect.poll(() => pageWords(chat)).toEqual(ALL_WORDS);
    // The title the first answer made reached the other page's sidebar too.
    await expect(second.chatItem(id)).toContainText(/first question/);
  });

  test("two turns at once on one chat: one answers, the other gets a 409; the page says why and offers to stop the first", async ({
    chat,
    page,
    request,
  }, testInfo) => {
    const id = await chatWithOneAnswer(chat, testInfo);
    // A page on the same chat that hears nothing of other tabs (as a page whose live channel dropped).
    const other = new ChatPage(await page.context().newPage());
    await other.page.route("**/api/chat/*/live", (route) => route.abort());
    await other.openChat(id);
    await other.selectModel(FAKE_MODEL_ID);

    await chat.page.bringToFront();
    const prompt = uniquePrompt(`${SLOW_MARKER} the first turn`, testInfo);
    await chat.send(prompt);
    await expect(chat.textOf(chat.lastAssistant())).toContainText("word10");

    // Straight at the API: a second question while the first answer runs.
    const refused = await page.context().request.post("/api/chat", {
      data: {
        id,
        trigger: "submit-message",
        message: { id: crypto.randomUUID(), role: "user", parts: [{ type: "text", text: "meanwhile" }] },
        model: FAKE_MODEL_ID,
      },
    });
    expect(refused.status()).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("conflict:turn");

    // The other page asks: it is told why, its question goes back to the composer, and it can stop the first answer.
    const asked = uniquePrompt("a second question", testInfo);
    await other.input.fill(asked);
    await other.input.press("Enter");
    await expect(other.errorBanner).toContainText("still being written");
    await expect(other.input).toHaveValue(asked);
    await expect(other.userMessages).toHaveCount(1);
    await other.errorBanner.getByTestId("stop-other-button").click();
    await chat.expectAnswered(chat.lastAssistant(), 5_000);
    await expect(chat.lastAssistant().getByTestId("message-status")).toHaveText("Stopped");
    await expect
      .poll(() => upstreamRequests(request, prompt), { timeout: 5_000 })
      .toEqual([{ status: 200, closedEarly: true }]);

    // Stop answered once the first answer had ended: the banner goes, and the chat takes the other page's question.
    await expect(other.errorBanner).toBeHidden();
    await other.input.press("Enter");
    await expect(other.userMessages).toHaveCount(2);
    await expect(other.assistantMessages).toHaveCount(2);
    await other.expectAnswered(other.lastAssistant(), 20_000);
    const messages = await stored(page.context(), id);
    expect(messages.map((message) => `${message.role}:${message.metadata?.status}`)).toEqual([
      "user:complete",
      "assistant:complete",
      "user:complete",
      "assistant:stopped",
      "user:complete",
      "assistant:complete",
    ]);
    expect(messages[4].parts[0].text).toBe(asked);
  });

  test("a runtime restart mid-answer: the partial answer is kept as interrupted, shown with Regenerate, and the chat goes on", async ({
    browser,
  }) => {
    test.setTimeout(120_000);
    // A worker of its own (its own state), so it can be stopped mid-answer and started again on the same storage.
    const vars = { SESSION_SECRET: "restart-spec-secret", DEMO_DELAY_MS: "150" };
    const ports = { port: RESTART_WORKER_PORT, inspectorPort: RESTART_INSPECTOR_PORT };
    let worker: TestWorker | undefined = await startTestWorker(vars, ports);
    const context = await browser.newContext({ baseURL: worker.url });
    try {
      const chat = new ChatPage(await context.newPage());
      await chat.open();
      await chat.send("Hello from before the restart");
      const id = await chat.chatIdFromUrl();
      // The demo answer takes ~25 s at 150 ms a word: stop the runtime once a few checkpoints are stored.
      await expect(chat.textOf(chat.lastAssistant())).toContainText("offline demo", { timeout: 20_000 });
      await chat.page.waitForTimeout(1_500);
      const seenLength = (await chat.text(chat.lastAssistant())).length;
      await worker.stop();
      worker = undefined;

      worker = await startTestWorker(vars, ports);
      await chat.openChat(id);
      const kept = chat.lastAssistant();
      await expect(kept.getByTestId("message-status")).toHaveText(/Interrupted/);
      const before = await stored(context, id);
      expect(before.map((message) => `${message.role}:${message.metadata?.status}`)).toEqual(["user:complete", "assistant:interrupted"]);
      const keptText = before[1].parts.map((part) => part.text ?? "").join("");

      // Regenerate answers again in full; the chat goes on.
      await kept.getByTestId("regenerate-button").click();
      await expect(chat.lastAssistant().getByTestId("message-status")).toHaveCount(0);
      await chat.expectAnswered(chat.lastAssistant(), 60_000);
      await expect(chat.textOf(chat.lastAssistant())).toContainText("What this demo shows");
      const after = await stored(context, id);
      expect(after.map((message) => `${message.role}:${message.metadata?.status}`)).toEqual(["user:complete", "assistant:complete"]);
      const fullText = after[1].parts.map((part) => part.text ?? "").join("");
      // The kept answer was the start of that same answer, as far as its last checkpoint (at most ~1 s before the
      // stop): about what the page had shown (rendered, so a little shorter than the markdown), nothing made up.
      expect(fullText.startsWith(keptText)).toBe(true);
      expect(keptText.length).toBeGreaterThan(seenLength / 2);
    } finally {
      await context.close();
      await worker?.stop();
    }
  });
});
