import { test, expect, uniquePrompt } from "./fixtures";

/**
 * The visitor rate limit as a person meets it, in workerd with the real (emulated) Rate Limiting binding: the refused
 * message goes back to the composer, a calm banner counts down to when sending works again, and Retry then sends it.
 */
test.describe("limits", () => {
  test("a visitor over the per-minute limit is told how long to wait, and Retry sends the message after it", async ({ chat }, testInfo) => {
    test.setTimeout(150_000);
    const { page } = chat;
    await chat.open();
    // The visitor's cookie, minted by an API call (pages only read it).
    expect((await page.request.get("/api/chats")).status()).toBe(200);

    // Spend the visitor's 20 turns of this minute with turns that count and then fail cheaply (a regeneration of a
    // chat that does not exist: 404 after the limit check), from another address so the IP limit is not touched.
    const spender = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await page.request.post("/api/chat", {
        headers: spender,
        data: { id: `spent-${crypto.randomUUID()}`, trigger: "regenerate-message", messageId: "none" },
        failOnStatusCode: false,
      });
      statuses.push(response.status());
    }
    // A window may turn over during the loop: then some of the 20 were in the previous minute (more 404s, no 429).
    expect(statuses.every((status) => status === 404 || status === 429), `statuses ${statuses}`).toBe(true);
    if (!statuses.includes(429)) {
      // Make sure this minute is spent too.
      for (let i = 0; i < 20; i++) {
        await page.request.post("/api/chat", { headers: spender, data: { id: "spent", trigger: "regenerate-message", messageId: "none" }, failOnStatusCode: false });
      }
    }

    const prompt = uniquePrompt("Hello after the limit", testInfo);
    await chat.input.fill(prompt);
    await chat.input.press("Enter");

    await expect(chat.errorBanner).toBeVisible({ timeout: 15_000 });
    await expect(chat.errorBanner).toHaveAttribute("data-kind", "limit");
    await expect(chat.errorBanner).toHaveAttribute("role", "alert");
    await expect(chat.errorBanner).toContainText("You are sending messages faster than this chat allows.");
    await expect(chat.errorBanner.getByTestId("retry-wait")).toHaveText(/You can send again in \d+ s\./);
    // Nothing was stored: the message is back in the composer, not in the conversation, and the chat is not listed.
    await expect(chat.input).toHaveValue(prompt);
    await expect(chat.userMessages).toHaveCount(0);
    await expect(page).toHaveURL(/\/$/);
    await expect(chat.chatItems.filter({ hasText: "Hello after the limit" })).toHaveCount(0);
    // Sending waits for the limit.
    await expect(chat.retryButton).toBeDisabled();
    await expect(chat.sendButton).toBeDisabled();
    await page.screenshot({ path: testInfo.outputPath("limit-banner.png") });

    // The countdown runs…
    const wait = chat.errorBanner.getByTestId("retry-wait");
    const first = Number(/(\d+) s/.exec(await wait.innerText())?.[1]);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(60);
    // …until sending works again (the emulated window is a wall-clock minute).
    await expect(wait).toHaveText("You can send again now.", { timeout: 65_000 });
    await expect(chat.retryButton).toBeEnabled();

    await chat.retryButton.click();
    await expect(chat.errorBanner).toBeHidden();
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.userMessages.last()).toContainText(prompt);
    await chat.expectAnswered(chat.lastAssistant());
    await expect(chat.input).toHaveValue("");
    await expect(page).toHaveURL(/\/chat\//);
  });
});
