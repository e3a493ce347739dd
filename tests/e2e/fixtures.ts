import { test as base, expect, type TestInfo } from "@playwright/test";
import { ChatPage } from "./pages/chat-page";
import { WORKER_URL } from "../support/e2e-env";

/** A client address of its own (TEST-NET range 198.18.0.0/15), as workerd reads it from `cf-connecting-ip`. */
export function randomClientIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `198.${18 + (byte() % 2)}.${byte()}.${byte()}`;
}

/**
 * Every test's browser is a client at an address of its own, as separate people are: the worker's per-IP limits (10
 * new visitors a minute, wrangler.toml) count the suite's visitors apart, as they would on Cloudflare. The address is
 * added to the worker's requests by routing, not as an extra header of the page: a header the page did not set would
 * make a host page's cross-origin calls fail their CORS preflight.
 * `chat`: the page object on a fresh page. Uncaught errors in the page fail the test (checked after it ran).
 * (The fixture callback is named `provide`, not `use`: eslint's react-hooks rule takes `use` for React's hook.)
 */
export const test = base.extend<{ chat: ChatPage }>({
  context: async ({ context }, provide) => {
    const ip = randomClientIp();
    await context.route(`${WORKER_URL}/**`, (route) =>
      route.continue({ headers: { ...route.request().headers(), "cf-connecting-ip": ip } }),
    );
    await provide(context);
  },
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
