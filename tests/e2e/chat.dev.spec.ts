import { test, expect } from "./fixtures";
import { DEMO_MODEL_ID } from "../support/e2e-env";
import { ChatPage } from "./pages/chat-page";

// Runs in the `dev` project, against `next dev` (bindings emulated through next.config.mjs). The server this run
// starts offers the demo model by default; a developer's own `next dev` (reused locally, see playwright.config.ts)
// offers it unless a provider is configured without ENABLE_DEMO_MODEL.
test("next dev: a prompt streams an answer", async ({ chat }) => {
  await chat.open();
  const hasDemo = (await chat.modelPicker.locator(`option[value="${DEMO_MODEL_ID}"]`).count()) > 0;
  if (hasDemo) await chat.selectModel(DEMO_MODEL_ID);

  const recording = await chat.recordStreaming(90_000);
  await chat.send("Hello from the dev smoke test");
  const message = chat.lastAssistant();
  await chat.expectAnswered(message, 90_000);
  ChatPage.expectStreamed(await recording());
  await expect(chat.errorBanner).toBeHidden();
  if (hasDemo) {
    await expect(chat.textOf(message)).toContainText("You asked: Hello from the dev smoke test");
    await expect(chat.textOf(message)).toContainText("What this demo shows");
  }
});
