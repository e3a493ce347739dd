import type { APIRequestContext, Page } from "@playwright/test";
import { test, expect, uniquePrompt } from "./fixtures";
import { ChatPage } from "./pages/chat-page";
import { policyDirectives } from "../support/csp";

/**
 * The worker's Content-Security-Policy (lib/security/csp.ts): every page gets a fresh script nonce, Next puts it on
 * its scripts, and nothing without it runs. The rest of the e2e suite runs under the same policy, so it is the proof
 * that the app works with it; this spec checks the policy itself.
 */

/** The page's policy and the nonce in its script-src. */
async function pagePolicy(request: APIRequestContext, path: string) {
  const response = await request.get(path);
  const policy = response.headers()["content-security-policy"] ?? "";
  const scriptSrc = policyDirectives(policy).get("script-src") ?? [];
  const nonce = scriptSrc.map((source) => /^'nonce-(.+)'$/.exec(source)?.[1]).find(Boolean);
  return { status: response.status(), scriptSrc, nonce, html: await response.text() };
}

/**
 * Collects, across navigations, the `securitypolicyviolation` events of the page's documents and the console's CSP
 * reports.
 */
async function watchViolations(page: Page) {
  const events: string[] = [];
  const consoleReports: string[] = [];
  page.on("console", (message) => {
    if (/content security policy/i.test(message.text())) consoleReports.push(message.text());
  });
  await page.exposeFunction("__reportViolation", (text: string) => events.push(text));
  await page.addInitScript(() => {
    const report = (window as unknown as { __reportViolation: (text: string) => void }).__reportViolation;
    document.addEventListener("securitypolicyviolation", (event) =>
      report(`${event.effectiveDirective} blocked ${event.blockedURI} at ${location.pathname}`),
    );
  });
  return { events, consoleReports };
}

test.describe("content security policy", () => {
  test("every page has a policy with a fresh nonce, and all of Next's scripts carry it", async ({ chat, page }, testInfo) => {
    await chat.open();
    await chat.send(uniquePrompt("A chat to reopen", testInfo));
    await chat.expectAnswered();
    const chatId = await chat.chatIdFromUrl();

    // page.request shares the browser's cookies, so /chat/<id> is this visitor's stored chat.
    const pages = ["/", `/chat/${chatId}`, "/embed", "/chat/does-not-exist", "/no-such-page", "/usage"];
    for (const path of pages) {
      const first = await pagePolicy(page.request, path);
      const second = await pagePolicy(page.request, path);
      expect(first.nonce, `nonce on ${path}`).toBeTruthy();
      expect(second.nonce, `a new nonce per request on ${path}`).not.toBe(first.nonce);
      expect(first.scriptSrc).toEqual(["'self'", `'nonce-${first.nonce}'`, "'strict-dynamic'"]);
      const scripts = first.html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, `scripts on ${path}`).toBeGreaterThan(0);
      for (const script of scripts) expect(script, `a script on ${path}`).toContain(`nonce="${first.nonce}"`);
    }
  });

  test("pages hydrate and stream an answer without a single violation", async ({ chat, page }, testInfo) => {
    const violations = await watchViolations(page);
    await chat.open();
    const record = await chat.recordStreaming();
    await chat.send(uniquePrompt("Stream me an answer under the policy", testInfo));
    ChatPage.expectStreamed(await record());
    await chat.openChat(await chat.chatIdFromUrl());
    await page.goto("/embed");
    await expect(page.getByTestId("embed")).toHaveAttribute("data-ready", "true");
    await chat.send(uniquePrompt("And one in the widget", testInfo));
    await chat.expectAnswered();

    expect(violations.events).toEqual([]);
    expect(violations.consoleReports).toEqual([]);
  });

  test("a script without the nonce does not run, and the browser reports it", async ({ chat, page }) => {
    const violations = await watchViolations(page);
    // Stored XSS, as it would arrive: an inline script in the page's HTML, served with the page's real policy.
    await page.route("/", async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace("</body>", "<script>window.__injected = 'inline';</script></body>");
      await route.fulfill({ response, body: html });
    });
    await chat.open();
    // And one added later by injected markup: an event handler attribute.
    await page.evaluate(() => {
      document.body.insertAdjacentHTML("beforeend", `<img src="/missing.png" onerror="window.__injected = 'handler'">`);
    });
    await expect.poll(() => violations.events).toEqual([
      "script-src-elem blocked inline at /",
      "script-src-attr blocked inline at /",
    ]);
    expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected)).toBeUndefined();
  });
});
