import { request as playwrightRequest, type Browser, type BrowserContextOptions } from "@playwright/test";
import { expect, randomClientIp, test, uniquePrompt } from "./fixtures";
import { ChatPage } from "./pages/chat-page";
import { startSlowAnswer, upstreamRequests } from "./slow-answer";
import {
  DEMO_MODEL_ID,
  FAKE_API_KEY,
  FAKE_MODEL,
  FAKE_MODEL_ID,
  LIVE_INSPECTOR_PORT,
  LIVE_WORKER_PORT,
  SLOW_MARKER,
  UPSTREAM_URL,
} from "../support/e2e-env";
import { startTestWorker, type TestWorker } from "../support/e2e-worker";

/**
 * /usage/live in the production worker in workerd, with the LiveStreams Durable Object: the owner (signed in with
 * ADMIN_TOKEN, on a worker of its own that also talks to the fake upstream) watches a visitor's slow answer stream,
 * sees its counters grow, presses Stop, and the visitor's chat shows the answer stopped.
 */
test.describe.configure({ mode: "serial" });

const ADMIN_TOKEN = "live-spec-password-4b7d2e91";

let worker: TestWorker;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  worker = await startTestWorker(
    {
      SESSION_SECRET: "live-spec-session-secret",
      ADMIN_TOKEN,
      OPENAI_API_KEY: FAKE_API_KEY,
      OPENAI_BASE_URL: `${UPSTREAM_URL}/v1`,
      OPENAI_API: "chat",
      OPENAI_MODELS: FAKE_MODEL,
      ENABLE_DEMO_MODEL: "1",
      DEFAULT_MODEL: DEMO_MODEL_ID,
    },
    { port: LIVE_WORKER_PORT, inspectorPort: LIVE_INSPECTOR_PORT },
  );
});

test.afterAll(async () => {
  await worker?.stop();
});

/** A browser of its own (the owner and the visitor are different people), at an address of its own. */
function contextOn(browser: Browser, options: BrowserContextOptions = {}) {
  return browser.newContext({ baseURL: worker.url, ...options, extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
}

test("the live view shows a running answer whose counters grow, and Stop ends it in the visitor's chat", async ({ browser, request }, testInfo) => {
  const owner = await contextOn(browser);
  const live = await owner.newPage();
  const pageErrors: string[] = [];
  live.on("pageerror", (error) => pageErrors.push(error.message));
  await live.goto("/usage/live");
  await live.getByLabel("Password").fill(ADMIN_TOKEN);
  await live.getByTestId("owner-sign-in-submit").click();
  await expect(live.getByRole("heading", { name: "Live streams" })).toBeVisible();
  await expect(live.getByTestId("live-empty")).toHaveText("Nothing is streaming right now.");
  // The owner watches before the answer starts: it reports every second from its first report.

  const visitor = await contextOn(browser);
  const chat = new ChatPage(await visitor.newPage());
  const prompt = uniquePrompt(`${SLOW_MARKER} watched by the owner`, testInfo);
  const chatId = await startSlowAnswer(chat, prompt);

  const row = live.locator(`[data-testid="live-stream"][data-chat-id="${chatId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByRole("rowheader")).toHaveText(chatId.slice(0, 8));
  await expect(row.getByRole("cell", { name: "App", exact: true })).toBeVisible();
  await expect(row.getByRole("cell", { name: FAKE_MODEL_ID })).toBeVisible();
  const tokens = async () => Number((await row.getByTestId("live-tokens").textContent())!.replaceAll(",", ""));
  await expect.poll(tokens).toBeGreaterThan(0);
  const before = await tokens();
  await expect.poll(tokens, { message: "the tokens counter grows" }).toBeGreaterThan(before);
  await live.screenshot({ path: testInfo.outputPath("usage-live-light.png") });
  await live.emulateMedia({ colorScheme: "dark" });
  await live.screenshot({ path: testInfo.outputPath("usage-live-dark.png") });
  // On a phone, in the dark: the table scrolls in its frame, the page does not scroll sideways.
  const phone = await owner.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.emulateMedia({ colorScheme: "dark" });
  await phone.goto("/usage/live");
  await expect(phone.locator(`[data-testid="live-stream"][data-chat-id="${chatId}"]`)).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await phone.screenshot({ path: testInfo.outputPath("usage-live-dark-phone.png") });
  await phone.close();

  const stop = row.getByRole("button", { name: /^Stop/ });
  await stop.click();
  await expect(row.getByRole("button")).toHaveText("Stopping…");
  await expect(row).toHaveCount(0);
  await expect(live.getByTestId("live-empty")).toBeVisible();

  // The visitor sees their answer end as stopped, part way through.
  const answer = chat.lastAssistant();
  await chat.expectAnswered(answer, 5_000);
  await expect(answer.getByTestId("message-status")).toHaveText("Stopped");
  await expect(chat.textOf(answer)).not.toContainText("word400");
  await expect
    .poll(() => upstreamRequests(request, prompt), { message: "the model request was closed early", timeout: 5_000 })
    .toEqual([{ status: 200, closedEarly: true }]);
  expect(pageErrors).toEqual([]);
  await owner.close();
  await visitor.close();
});

test("the live data: 404 without the owner's credentials, 200 with them", async () => {
  const api = await playwrightRequest.newContext({ baseURL: worker.url, extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
  const none = await api.get("/api/usage/live");
  expect(none.status()).toBe(404);
  expect(((await none.json()) as { error: { code: string } }).error.code).toBe("not_found:usage");
  expect((await api.post(`/api/usage/live/${crypto.randomUUID()}/stop`)).status()).toBe(404);
  const owner = await api.get("/api/usage/live", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(owner.status()).toBe(200);
  expect(await owner.json()).toEqual({ streams: [] });
  await api.dispose();
});

test("the suite's worker (no owner configured): the live data is 404 to everyone", async ({ page }) => {
  expect((await page.request.get("/api/usage/live", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status()).toBe(404);
  await page.goto("/usage/live");
  await expect(page.getByTestId("owner-not-configured")).toBeVisible();
});
