import { test, expect } from "./fixtures";
import { DEMO_MODEL_ID } from "../support/e2e-env";

/**
 * A model's reasoning, shown as it should be (the demo model thinks aloud for "think it through" prompts, streamed as
 * reasoning parts as reasoning models send them): open while it streams, folded with how long it took once the
 * answer comes, kept with the message.
 */
test("reasoning: open while the model thinks, folded with its duration after, still there after a reload", async ({ chat, page }) => {
  await chat.open();
  await chat.selectModel(DEMO_MODEL_ID);
  await chat.send("Think it through: why is the sky blue?");
  const reasoning = chat.lastAssistant().getByTestId("reasoning");
  await expect(reasoning).toHaveAttribute("open", "");
  await expect(reasoning.getByTestId("reasoning-summary")).toHaveText("Thinking…");
  await expect(reasoning).toContainText("Before answering");

  await chat.expectAnswered();
  await expect(reasoning).not.toHaveAttribute("open");
  await expect(reasoning.getByTestId("reasoning-summary")).toHaveText(/^Thought for \d+ s$/);
  // The answer is apart from the reasoning.
  await expect(chat.textOf(chat.lastAssistant())).toContainText("You asked");
  await expect(chat.textOf(chat.lastAssistant())).not.toContainText("Before answering");

  await page.reload();
  // Hydrated (data-model comes from an effect): a click on the server's HTML would be undone by hydration.
  await expect(chat.root).toHaveAttribute("data-model", /\S/);
  const stored = chat.lastAssistant().getByTestId("reasoning");
  await expect(stored).not.toHaveAttribute("open");
  await expect(stored.getByTestId("reasoning-summary")).toHaveText(/^Thought for \d+ s$/);
  await stored.getByTestId("reasoning-summary").click();
  await expect(stored).toHaveAttribute("open", "");
  await expect(stored).toContainText("Before answering");
});
