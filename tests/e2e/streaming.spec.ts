import { test, expect } from "./fixtures";
import { DEMO_MODEL_ID } from "../support/e2e-env";
import { ChatPage } from "./pages/chat-page";

test.describe("streaming", () => {
  test("the demo model's answer streams into the page word by word", async ({ chat }) => {
    await chat.open();
    await expect(chat.root).toHaveAttribute("data-model", DEMO_MODEL_ID);
    await expect(chat.demoBadge).toBeVisible();
    await expect(chat.emptyState).toBeVisible();

    const recording = await chat.recordStreaming();
    await chat.send("Show me what streaming looks like");
    await expect(chat.emptyState).toBeHidden();
    const message = chat.lastAssistant();
    // The stop button is offered while the answer streams.
    await expect(chat.stopButton).toBeVisible();
    await chat.expectAnswered(message);
    const record = await recording();

    // Streamed, not flushed once: the text grew through several lengths before the message was done.
    ChatPage.expectStreamed(record);

    // The demo's known content, rendered as markdown.
    const text = chat.textOf(message);
    await expect(text).toContainText("Demo model.");
    await expect(text).toContainText("You asked: Show me what streaming looks like");
    await expect(text.getByRole("heading", { name: "What this demo shows" })).toBeVisible();
    await expect(text.locator("code", { hasText: "streamText" }).first()).toBeVisible();
    // The code block is highlighted (its highlighter loads in the browser only: the worker's bundle leaves it out).
    await expect(text.locator("code.language-ts .hljs-keyword", { hasText: "const" })).toBeVisible();
    await expect(text.getByRole("table")).toBeVisible();
    await expect(chat.stopButton).toBeHidden();
    await expect(chat.demoBadge).toBeVisible();
  });
});
