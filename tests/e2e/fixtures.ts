import { test as base, expect, type TestInfo } from "@playwright/test";
import { ChatPage } from "./pages/chat-page";

/**
 * `chat`: the page object on a fresh page. Uncaught errors in the page fail the test (checked after it ran).
 * (The fixture callback is named `provide`, not `use`: eslint's react-hooks rule takes `use` for React's hook.)
 */
export const test = base.extend<{ chat: ChatPage }>({
  chat: async ({ page }, provide) => {
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(`${error.name}: ${error.message}`));
    await provide(new ChatPage(page));
    expect(pageErrors, "uncaught errors in the page").toEqual([]);
  },
});

export { expect };

/** Makes a prompt unique to this test and attempt, so the fake upstream's per-prompt state never leaks across runs. */
export function uniquePrompt(text: string, testInfo: TestInfo): string {
  return `${text} (run ${testInfo.testId.slice(0, 8)}-${testInfo.retry}-${Date.now().toString(36)})`;
}
