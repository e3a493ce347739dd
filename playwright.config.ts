import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { defineConfig, devices } from "@playwright/test";
import {
  DEMO_MODEL_ID,
  DEV_PORT,
  DEV_URL,
  E2E_HOST,
  E2E_API_KEY,
  E2E_CACHE_TTL_SECONDS,
  E2E_SECOND_API_KEY,
  E2E_SESSION_SECRET,
  FAKE_API_KEY,
  FAKE_MODEL,
  HOST_PAGE_URL,
  INSPECTOR_PORT,
  UPSTREAM_URL,
  WORKER_PORT,
  WORKER_URL,
} from "./tests/support/e2e-env";

/**
 * End-to-end tests. Two projects:
 * - `workerd`: every spec but *.dev.spec.ts, against the production worker (the OpenNext build served by
 *   `wrangler dev --local`). The worker must be built first: `npm test` does that (scripts/test.mjs), or run
 *   `npm run build:worker` before `npx playwright test`.
 * - `dev`: *.dev.spec.ts, one smoke test against `next dev`.
 * A fake OpenAI upstream (tests/e2e/global-setup.ts) backs the `openai:gpt-fake` model.
 */
const CI = !!process.env.CI;
const root = import.meta.dirname;
const bin = join(root, "node_modules", ".bin");
// node_modules/.bin holds Node 24 (the stack needs >= 22); put it first whatever started Playwright.
const PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;

// Debian's chromium when present (Playwright cannot download browsers here); else Playwright's managed browser.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const launchOptions = existsSync(SYSTEM_CHROMIUM)
  ? {
      executablePath: SYSTEM_CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    }
  : {};

/**
 * Next allows one `next dev` per directory (it locks .next/dev/lock; a second one exits). When a developer's
 * `next dev` is already running here, the dev smoke test uses it instead of starting another; CI always starts its own.
 */
function runningDevServer(): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(root, ".next", "dev", "lock"), "utf8")) as { pid: number; appUrl: string };
    process.kill(info.pid, 0); // throws when that process is gone (a stale lock file)
    return info.appUrl;
  } catch {
    return undefined;
  }
}
const existingDevServer = CI ? undefined : runningDevServer();
if (existingDevServer && !process.env.TEST_WORKER_INDEX && existingDevServer !== DEV_URL) {
  console.log(`e2e: the dev smoke test uses the next dev server already running at ${existingDevServer}.`);
}
const devURL = existingDevServer ?? DEV_URL;

/**
 * Configuration for the app under test, set explicitly so a developer's shell or .dev.vars cannot point a test run at
 * a real provider: empty strings read as "not set" (lib/env.ts). Never an empty *_BASE_URL: @ai-sdk/openai reads
 * OPENAI_BASE_URL when it is imported and throws on an empty one.
 */
const appEnv = {
  DEMO_DELAY_MS: "20",
  ANTHROPIC_API_KEY: "",
  GOOGLE_GENERATIVE_AI_API_KEY: "",
  CLOUDFLARE_ACCOUNT_ID: "",
  CLOUDFLARE_API_TOKEN: "",
  WORKERS_AI_MODELS: "",
  // The getWeather tool asks the fake upstream, which also speaks Open-Meteo's API.
  WEATHER_API_BASE_URL: UPSTREAM_URL,
  SESSION_SECRET: E2E_SESSION_SECRET,
  // Titles from the question's first words: a title request would change what the fake upstream sees and counts.
  CHAT_TITLES: "prompt",
  // The e2e host page (tests/support/e2e-host-page.ts) may embed the widget; its twin on FOREIGN_PAGE_URL may not.
  EMBED_ALLOWED_ORIGINS: HOST_PAGE_URL,
  // The OpenAI-compatible API's keys (tests/e2e/openai-api.spec.ts), as their digests, and a short-lived answer cache.
  API_KEYS: [E2E_API_KEY, E2E_SECOND_API_KEY].map((key) => createHash("sha256").update(key).digest("hex")).join(","),
  RESPONSE_CACHE_TTL: String(E2E_CACHE_TTL_SECONDS),
  NEXT_TELEMETRY_DISABLED: "1",
  WRANGLER_SEND_METRICS: "false",
  PATH,
};

const nextDevServer = {
  name: "next-dev",
  command: `next dev --port ${DEV_PORT} --hostname ${E2E_HOST}`,
  url: `${DEV_URL}/api/models`,
  env: {
    ...appEnv,
    // Its own local state: two processes writing one SQLite file (the worker's D1) get "database is locked".
    PERSIST_TO: ".wrangler/state-dev",
    // Only the offline demo model in next dev.
    OPENAI_API_KEY: "",
    OPENAI_MODELS: "",
    ENABLE_DEMO_MODEL: "1",
    DEFAULT_MODEL: DEMO_MODEL_ID,
  },
  reuseExistingServer: !CI,
  timeout: 120_000,
  stdout: "ignore",
  stderr: "pipe",
  gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
} as const;

export default defineConfig({
  testDir: "./tests/e2e",
  outputDir: "./test-results",
  globalSetup: "./tests/e2e/global-setup.ts",
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  // Two cores: one worker per core. Specs are independent (each opens its own page, prompts carry nonces).
  workers: 2,
  fullyParallel: false,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: CI ? [["list"], ["html", { open: "never" }]] : [["list"]],
  use: {
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    launchOptions,
  },
  projects: [
    {
      name: "workerd",
      testIgnore: /\.dev\.spec\.ts$/,
      use: { ...devices["Desktop Chrome"], launchOptions, baseURL: WORKER_URL },
    },
    {
      name: "dev",
      testMatch: /\.dev\.spec\.ts$/,
      // next dev compiles the page and the route on first use: slow on a cold, busy 2-core machine.
      timeout: 120_000,
      expect: { timeout: 60_000 },
      use: { ...devices["Desktop Chrome"], launchOptions, baseURL: devURL, navigationTimeout: 90_000 },
    },
  ],
  webServer: [
    {
      name: "worker",
      // SKIP_BUILD: the worker is built before Playwright starts (scripts/test.mjs), so this only boots workerd.
      command: "node scripts/start.mjs",
      url: `${WORKER_URL}/api/models`,
      env: {
        ...appEnv,
        SKIP_BUILD: "1",
        PORT: String(WORKER_PORT),
        HOST: E2E_HOST,
        INSPECTOR_PORT: String(INSPECTOR_PORT),
        OPENAI_API_KEY: FAKE_API_KEY,
        OPENAI_BASE_URL: `${UPSTREAM_URL}/v1`,
        OPENAI_API: "chat",
        OPENAI_MODELS: FAKE_MODEL,
        ENABLE_DEMO_MODEL: "1",
        DEFAULT_MODEL: DEMO_MODEL_ID,
      },
      reuseExistingServer: !CI,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    ...(existingDevServer ? [] : [nextDevServer]),
  ],
});
