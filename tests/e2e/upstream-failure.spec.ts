import { test, expect, uniquePrompt } from "./fixtures";
import {
  E2E_HOST,
  FAIL_ONCE_MARKER,
  FAIL_ONCE_REQUESTS,
  FAKE_ANSWER,
  FAKE_API_KEY,
  FAKE_MODEL,
  FAKE_MODEL_ID,
  UPSTREAM_PORT,
  UPSTREAM_URL,
  type UpstreamLogEntry,
} from "../support/e2e-env";
import { ChatPage } from "./pages/chat-page";

test.describe("upstream failure", () => {
  test("the fake OpenAI model answers through the worker", async ({ chat }) => {
    await chat.open();
    await chat.selectModel(FAKE_MODEL_ID);
    await expect(chat.demoBadge).toBeHidden();
    const recording = await chat.recordStreaming();
    await chat.send("Say hello");
    const message = chat.lastAssistant();
    await chat.expectAnswered(message);
    ChatPage.expectStreamed(await recording());
    await expect(chat.textOf(message)).toHaveText(FAKE_ANSWER);
  });

  test("an HTTP 500 from the provider shows a safe error, and Retry answers", async ({ chat, request }, testInfo) => {
    await chat.open();
    await chat.selectModel(FAKE_MODEL_ID);
    const prompt = uniquePrompt(`${FAIL_ONCE_MARKER} Say hello`, testInfo);
    await chat.send(prompt);

    await expect(chat.errorBanner).toBeVisible({ timeout: 15_000 });
    await expect(chat.errorBanner).toHaveAttribute("role", "alert");
    await expect(chat.errorBanner).toContainText("HTTP 500");
    // Safe: nothing about where the provider lives or how the worker authenticates.
    const banner = await chat.errorBanner.innerText();
    for (const secret of [FAKE_API_KEY, E2E_HOST, `:${UPSTREAM_PORT}`, "/v1/", "Bearer"]) {
      expect(banner, `the error must not show ${secret}`).not.toContain(secret);
    }
    const page = await chat.page.locator("body").innerText();
    expect(page).not.toContain(FAKE_API_KEY);
    expect(page).not.toContain(E2E_HOST);
    await expect(chat.retryButton).toBeVisible();

    const recording = await chat.recordStreaming();
    await chat.retryButton.click();
    await expect(chat.errorBanner).toBeHidden();
    const message = chat.lastAssistant();
    await chat.expectAnswered(message);
    ChatPage.expectStreamed(await recording());
    await expect(chat.textOf(message)).toHaveText(FAKE_ANSWER);
    await expect(chat.errorBanner).toBeHidden();
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.assistantMessages).toHaveCount(1);

    // The provider saw the first attempt fail (with the SDK's own retries) and the Retry succeed, all for gpt-fake
    // with the worker's key.
    const response = await request.get(`${UPSTREAM_URL}/__e2e/log`, { params: { contains: prompt } });
    const entries = (await response.json()) as UpstreamLogEntry[];
    expect(entries.map((entry) => entry.status)).toEqual([...Array(FAIL_ONCE_REQUESTS).fill(500), 200]);
    for (const entry of entries) {
      expect(entry.model).toBe(FAKE_MODEL);
      expect(entry.authorization).toBe(`Bearer ${FAKE_API_KEY}`);
    }
  });
});
