import { test, expect, uniquePrompt } from "./fixtures";
import { FAKE_MODEL_ID, SLOW_MARKER, UPSTREAM_URL, type UpstreamLogEntry } from "../support/e2e-env";

test.describe("stop", () => {
  test("Stop ends a long answer, keeps the partial text and the composer works again", async ({ chat }) => {
    await chat.open();
    await chat.send("Tell me a long story about streaming");
    // The first answer, pinned (lastAssistant() moves on to the next answer later in this test).
    const message = chat.assistantMessages.first();
    await expect(message).toHaveAttribute("data-status", "streaming");
    await expect.poll(() => chat.textLength(message), { message: "some text arrived" }).toBeGreaterThan(200);

    await chat.stopButton.click();
    await chat.expectAnswered(message, 5_000);
    await expect(chat.stopButton).toBeHidden();

    // The partial answer stays and does not grow any more: watch it for a second.
    const watched = await chat.watchText(message, 1_000);
    expect(watched.before.length).toBeGreaterThan(200);
    expect(watched.after, "the text did not change after Stop").toBe(watched.before);
    expect(watched.maxLength).toBe(watched.before.length);
    // It is a part of the answer only: the demo's long answer ends with "Part 12".
    expect(watched.after).not.toContain("Part 12");
    await expect(chat.errorBanner).toBeHidden();

    // The composer works again.
    await chat.send("And now a short one");
    const next = chat.lastAssistant();
    await chat.expectAnswered(next);
    await expect(chat.textOf(next)).toContainText("You asked: And now a short one");
    await expect(chat.assistantMessages).toHaveCount(2);
    // The stopped answer was kept as it was.
    expect(await chat.text(message)).toBe(watched.after);
  });

  test("Stop reaches the model provider: the worker closes its upstream request", async ({ chat, request }, testInfo) => {
    await chat.open();
    await chat.selectModel(FAKE_MODEL_ID);
    const prompt = uniquePrompt(`${SLOW_MARKER} count slowly`, testInfo);
    await chat.send(prompt);
    const message = chat.lastAssistant();
    await expect(chat.textOf(message)).toContainText("word10");

    await chat.stopButton.click();
    await chat.expectAnswered(message, 5_000);
    await expect(chat.textOf(message)).not.toContainText("word400");

    // workerd passes the browser's abort on (enable_request_signal) and the model call is cancelled.
    await expect
      .poll(
        async () => {
          const response = await request.get(`${UPSTREAM_URL}/__e2e/log`, { params: { contains: prompt } });
          const entries = (await response.json()) as UpstreamLogEntry[];
          return entries.map((entry) => ({ status: entry.status, closedEarly: entry.closedEarly }));
        },
        { message: "the upstream request was closed before its end", timeout: 5_000 },
      )
      .toEqual([{ status: 200, closedEarly: true }]);
  });
});
