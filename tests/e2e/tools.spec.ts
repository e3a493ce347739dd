import { test, expect } from "./fixtures";

test.describe("tool calls", () => {
  test("getCurrentTime: the tool card reaches its result, then the answer uses it", async ({ chat }) => {
    await chat.open();
    await chat.send("What time is it in Tokyo?");
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveCount(1);
    await expect(card).toHaveAttribute("data-tool", "getCurrentTime");
    await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    // The card shows the call and its result when opened.
    await card.locator("summary").click();
    await expect(card.getByText("Asia/Tokyo").first()).toBeVisible();
    await expect(card.getByText('"local"')).toBeVisible();

    await chat.expectAnswered(message);
    const answer = chat.textOf(message);
    await expect(answer).toContainText("Here is what the tools told me");
    await expect(answer).toContainText("In Asia/Tokyo it is currently");
    await expect(chat.errorBanner).toBeHidden();
  });

  test("a failing tool shows an error card and the answer continues", async ({ chat }) => {
    await chat.open();
    await chat.send("What time is it in Atlantis?");
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveAttribute("data-tool", "getCurrentTime");
    await expect(card).toHaveAttribute("data-state", "output-error", { timeout: 15_000 });
    await expect(card.getByTestId("tool-error")).toBeVisible();
    await expect(card.getByTestId("tool-error")).toContainText("not a known IANA time zone");

    // The model got the tool's error and still answers; the chat itself did not fail.
    await chat.expectAnswered(message);
    await expect(chat.textOf(message)).toContainText("tool failed");
    await expect(chat.errorBanner).toBeHidden();
  });
});
