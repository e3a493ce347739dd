import { test, expect } from "./fixtures";
import { ChatPage } from "./pages/chat-page";

test.describe("conversation controls", () => {
  test.use({ permissions: ["clipboard-read", "clipboard-write"] });

  test("suggested prompt, copy, regenerate and new chat", async ({ chat, page }) => {
    await chat.open();
    await expect(chat.emptyState).toBeVisible();
    const suggestion = page.getByTestId("suggested-prompt").filter({ hasText: "Explain streaming" });
    await suggestion.click();
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.userMessages.first()).toHaveText("Explain streaming with a code example");
    const first = chat.assistantMessages.first();
    await chat.expectAnswered(first);
    await expect(chat.textOf(first)).toContainText("You asked: Explain streaming with a code example");

    // Copy puts the answer's markdown on the clipboard.
    await first.getByTestId("copy-button").click();
    await expect(first.getByTestId("copy-button")).toContainText("Copied");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain("## What this demo shows");

    // Regenerate replaces the last answer with a new, streamed one.
    const recording = await chat.recordStreaming();
    await first.getByTestId("regenerate-button").click();
    await chat.expectAnswered(chat.lastAssistant());
    ChatPage.expectStreamed(await recording());
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.assistantMessages).toHaveCount(1);
    await expect(chat.textOf(chat.lastAssistant())).toContainText("What this demo shows");

    // New chat empties the conversation.
    await page.getByTestId("new-chat-button").click();
    await expect(chat.emptyState).toBeVisible();
    await expect(chat.userMessages).toHaveCount(0);
    await expect(chat.assistantMessages).toHaveCount(0);
    await expect(chat.input).toBeFocused();
  });
});
