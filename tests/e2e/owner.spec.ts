import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request as playwrightRequest, type Browser, type BrowserContextOptions } from "@playwright/test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { expect, randomClientIp, test, uniquePrompt } from "./fixtures";
import { ChatPage } from "./pages/chat-page";
import { E2E_HOST, OWNER_INSPECTOR_PORT, OWNER_WORKER_PORT } from "../support/e2e-env";
import { startTestWorker, type TestWorker } from "../support/e2e-worker";

/**
 * Owner access to the usage pages (lib/security/owner.ts) in the production worker in workerd: the /usage sign-in with
 * ADMIN_TOKEN (a worker of its own), bearer tokens on the data endpoint, and Cloudflare Access tokens signed by a
 * local RSA key that a local server publishes as Access publishes a team's keys (jose verifying them in workerd).
 * GET /api/usage/session stands for the usage data endpoints: 200 for the owner, 404 for anyone else.
 */
test.describe.configure({ mode: "serial" });

const ADMIN_TOKEN = "owner-spec-password-7c1e9a";
const TEAM = "edge-chat-e2e.cloudflareaccess.com";
const AUD = "e2e0000000000000000000000000000000000000000000000000000000000aud";
const KID = "e2e-key";

let worker: TestWorker;
let jwks: Server;
let signingKey: CryptoKey;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  const keys = await generateKeyPair("RS256", { extractable: true });
  signingKey = keys.privateKey;
  const published = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: KID, alg: "RS256", use: "sig" }] });
  jwks = createServer((_, response) => response.writeHead(200, { "content-type": "application/json" }).end(published));
  await new Promise<void>((resolve) => jwks.listen(0, E2E_HOST, resolve));
  worker = await startTestWorker(
    {
      SESSION_SECRET: "owner-spec-session-secret",
      ADMIN_TOKEN,
      ACCESS_TEAM_DOMAIN: TEAM,
      ACCESS_AUD: AUD,
      ACCESS_CERTS_URL: `http://${E2E_HOST}:${(jwks.address() as AddressInfo).port}/cdn-cgi/access/certs`,
    },
    { port: OWNER_WORKER_PORT, inspectorPort: OWNER_INSPECTOR_PORT },
  );
});

test.afterAll(async () => {
  await worker?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
});

/** An Access application token as Access makes them, for `audience`. */
function accessToken(audience = AUD): Promise<string> {
  return new SignJWT({ email: "owner@example.com", type: "app" })
    .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
    .setIssuer(`https://${TEAM}`)
    .setAudience([audience])
    .setIssuedAt()
    .setExpirationTime("5 min")
    .sign(signingKey);
}

/** A browser of its own, at an address of its own, on the owner worker. */
function ownerContext(browser: Browser, options: BrowserContextOptions = {}) {
  return browser.newContext({
    baseURL: worker.url,
    ...options,
    extraHTTPHeaders: { "cf-connecting-ip": randomClientIp(), ...options.extraHTTPHeaders },
  });
}

test("the /usage sign-in: a wrong password says so, the right one opens the page, a reload keeps it, sign-out ends it", async ({ browser }, testInfo) => {
  const context = await ownerContext(browser);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const session = () => page.request.get("/api/usage/session");

  await page.goto("/usage");
  await expect(page.getByRole("heading", { name: "Usage" })).toBeVisible();
  await expect(page.getByTestId("owner-sign-in")).toBeVisible();
  await expect(page.getByTestId("usage")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("owner-sign-in-light.png") });
  expect((await session()).status()).toBe(404);

  await page.getByLabel("Password").fill("not the password");
  await page.getByTestId("owner-sign-in-submit").click();
  await expect(page.getByTestId("owner-sign-in-error")).toHaveText("That password is not right.");
  await expect(page.getByTestId("usage")).toHaveCount(0);

  await page.getByLabel("Password").fill(ADMIN_TOKEN);
  await page.getByTestId("owner-sign-in-submit").click();
  await expect(page.getByTestId("usage")).toBeVisible();
  await expect(page.getByTestId("owner-sign-in")).toHaveCount(0);
  const cookie = (await context.cookies()).find((candidate) => candidate.name === "edge_chat_owner");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });

  await page.reload();
  await expect(page.getByTestId("usage")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("owner-signed-in.png") });
  const signedIn = await session();
  expect(signedIn.status()).toBe(200);
  expect(await signedIn.json()).toEqual({ owner: true, via: "cookie" });

  await page.getByTestId("owner-sign-out").click();
  await expect(page.getByTestId("owner-sign-in")).toBeVisible();
  expect((await session()).status()).toBe(404);
  await page.reload();
  await expect(page.getByTestId("owner-sign-in")).toBeVisible();
  expect(pageErrors).toEqual([]);
  await context.close();
});

test("the sign-in form in dark mode on a phone", async ({ browser }, testInfo) => {
  const context = await ownerContext(browser, { colorScheme: "dark", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto("/usage");
  await page.getByLabel("Password").fill("wrong again");
  await page.getByTestId("owner-sign-in-submit").click();
  await expect(page.getByTestId("owner-sign-in-error")).toBeVisible();
  // The form fits the phone's width: nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: testInfo.outputPath("owner-sign-in-dark-phone.png") });
  await context.close();
});

test("the data endpoint: 404 without credentials or with a wrong token, 200 with Authorization: Bearer ADMIN_TOKEN", async () => {
  const api = await playwrightRequest.newContext({ baseURL: worker.url, extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
  const none = await api.get("/api/usage/session");
  expect(none.status()).toBe(404);
  expect(((await none.json()) as { error: { code: string } }).error.code).toBe("not_found:usage");
  expect((await api.get("/api/usage/session", { headers: { authorization: "Bearer not-the-token" } })).status()).toBe(404);
  const bearer = await api.get("/api/usage/session", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(bearer.status()).toBe(200);
  expect(await bearer.json()).toEqual({ owner: true, via: "bearer" });
  await api.dispose();
});

test("Cloudflare Access: a token signed by the team's key opens the page and the data, with no form; another audience's does not", async ({ browser }) => {
  const api = await playwrightRequest.newContext({ baseURL: worker.url, extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
  const viaAccess = await api.get("/api/usage/session", { headers: { "cf-access-jwt-assertion": await accessToken() } });
  expect(viaAccess.status()).toBe(200);
  expect(await viaAccess.json()).toEqual({ owner: true, via: "access" });
  const otherApp = await api.get("/api/usage/session", { headers: { "cf-access-jwt-assertion": await accessToken("0".repeat(64)) } });
  expect(otherApp.status()).toBe(404);
  await api.dispose();

  const context = await ownerContext(browser, { extraHTTPHeaders: { "cf-access-jwt-assertion": await accessToken() } });
  const page = await context.newPage();
  await page.goto("/usage");
  await expect(page.getByTestId("usage")).toBeVisible();
  // Signed in by Access, not by the cookie: there is nothing for this page to sign out of.
  await expect(page.getByTestId("owner-sign-out")).toHaveCount(0);
  await context.close();
});

test("with neither configured (the suite's worker) /usage says how to set it up, and the data endpoint is 404 even with a token", async ({ page }, testInfo) => {
  await page.goto("/usage");
  await expect(page.getByTestId("owner-not-configured")).toContainText("ADMIN_TOKEN");
  await page.screenshot({ path: testInfo.outputPath("owner-not-configured.png") });
  await expect(page.getByTestId("owner-sign-in")).toHaveCount(0);
  const response = await page.request.get("/api/usage/session", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status()).toBe(404);
  expect((await page.request.post("/api/usage/session", { data: { token: ADMIN_TOKEN } })).status()).toBe(404);
});

test("answers show their numbers on hover, and /usage charts them with a table for each chart", async ({ browser }, testInfo) => {
  test.setTimeout(90_000);
  const context = await ownerContext(browser);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const chat = new ChatPage(page);

  // Two answers of the demo model, one of them through a tool.
  await page.goto("/");
  await chat.send(uniquePrompt("Hello there", testInfo));
  await chat.expectAnswered();
  await chat.send("Calculate 12 * 34");
  await chat.expectAnswered();
  await expect(chat.textOf(chat.lastAssistant())).toContainText("408");

  // The answer's footer: its numbers on hover (and on keyboard focus).
  const meta = chat.lastAssistant().getByTestId("message-meta");
  const stats = chat.lastAssistant().getByTestId("message-stats");
  await expect(stats).toBeHidden();
  await meta.hover();
  await expect(stats).toBeVisible();
  await expect(stats).toContainText("Offline demo");
  await expect(stats).toContainText(/First token after\s*\d+(\.\d)? m?s/);
  await expect(stats).toContainText(/Speed\s*[\d,.]+ tokens\/s/);
  await expect(stats).toContainText(/Tokens\s*[\d,]+ in, [\d,]+ out/);
  await page.mouse.move(0, 0);
  await expect(stats).toBeHidden();
  await meta.focus();
  await expect(stats).toBeVisible();

  await page.goto("/usage");
  await page.getByLabel("Password").fill(ADMIN_TOKEN);
  await page.getByTestId("owner-sign-in-submit").click();
  const usage = page.getByTestId("usage");
  await expect(usage.getByTestId("usage-source")).toHaveText(/D1/);
  // Every answer of this worker so far (other tests' too): at least these two.
  const answers = Number((await usage.getByTestId("usage-totals").locator("dd").first().textContent())!.replaceAll(",", ""));
  expect(answers).toBeGreaterThanOrEqual(2);
  await expect(usage.getByTestId("usage-top-models")).toContainText("demo:offline");
  await expect(usage.getByTestId("usage-surfaces")).toContainText("app");
  await expect(usage.getByTestId("usage-chart")).toHaveCount(6);
  await expect(usage.locator("canvas")).toHaveCount(6, { timeout: 15_000 });

  // A chart's table: the same numbers, for screen readers and on request. This hour's answers are in it.
  const statuses = usage.getByTestId("usage-chart").filter({ hasText: "Answers by status" });
  await expect(statuses.locator("div:has(> table)")).toHaveClass(/sr-only/);
  await statuses.getByRole("button", { name: "Table" }).click();
  await expect(statuses.getByRole("table")).toBeVisible();
  const lastRow = statuses.getByRole("row").last();
  await expect(lastRow.getByRole("cell").last()).toHaveText(/^[1-9][\d,]*$/);

  // The ranges: 30 days has a bar per day.
  await page.getByRole("radio", { name: "30 days" }).click();
  await expect(page.getByRole("radio", { name: "30 days" })).toHaveAttribute("aria-checked", "true");
  await expect(statuses.getByRole("row")).toHaveCount(1 + 30, { timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath("usage.png"), fullPage: true });

  // Data for the owner only.
  expect((await playwrightRequest.newContext({ baseURL: worker.url }).then((request) => request.get("/api/usage"))).status()).toBe(404);
  expect(pageErrors).toEqual([]);
  await context.close();
});
