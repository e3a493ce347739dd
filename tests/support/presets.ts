/** Env presets that point the app at the fake upstreams, and checks shared by the integration tests. */
import { afterAll, beforeAll, beforeEach, expect, vi, type MockInstance } from "vitest";
import type { EnvKey } from "./chat-client";
import { startFakeAnthropic, type FakeAnthropic } from "./fake-anthropic";
import { startFakeGoogle, type FakeGoogle } from "./fake-google";
import { startFakeOpenAI, type FakeOpenAI } from "./fake-openai";
import { startFakeWorkersAI, type FakeWorkersAI } from "./fake-workers-ai";

export const OPENAI_TEST_KEY = "test";
export const CLOUDFLARE_TEST_TOKEN = "cf-test-token";
export const OPENAI_MODEL = "gpt-4.1-nano";
export const WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";
export const ANTHROPIC_TEST_KEY = "sk-ant-test-key";
export const ANTHROPIC_MODEL = "claude-haiku-4-5";
export const GOOGLE_TEST_KEY = "google-test-key";
export const GOOGLE_MODEL = "gemini-2.5-flash";

export function openAIEnv(fake: FakeOpenAI, api: "chat" | "responses"): Partial<Record<EnvKey, string>> {
  return {
    OPENAI_API_KEY: OPENAI_TEST_KEY,
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_MODELS: OPENAI_MODEL,
    OPENAI_API: api,
  };
}

export function workersAIEnv(fake: FakeWorkersAI, models?: string[]): Partial<Record<EnvKey, string>> {
  return {
    CLOUDFLARE_ACCOUNT_ID: "acc-test",
    CLOUDFLARE_API_TOKEN: CLOUDFLARE_TEST_TOKEN,
    WORKERS_AI_BASE_URL: fake.baseURL,
    ...(models ? { WORKERS_AI_MODELS: models.join(",") } : {}),
  };
}

export function anthropicEnv(fake: FakeAnthropic): Partial<Record<EnvKey, string>> {
  return { ANTHROPIC_API_KEY: ANTHROPIC_TEST_KEY, ANTHROPIC_BASE_URL: fake.baseURL, ANTHROPIC_MODELS: ANTHROPIC_MODEL };
}

export function googleEnv(fake: FakeGoogle): Partial<Record<EnvKey, string>> {
  return { GOOGLE_GENERATIVE_AI_API_KEY: GOOGLE_TEST_KEY, GOOGLE_BASE_URL: fake.baseURL, GOOGLE_MODELS: GOOGLE_MODEL };
}

/** The route logs upstream failures with console.error; keep test output readable and let tests inspect the log. */
export function spyOnConsoleError(): MockInstance<typeof console.error> {
  return vi.spyOn(console, "error").mockImplementation(() => {});
}

/** An error text shown to the person: no upstream address, no key, no stack, no raw upstream message. */
export function expectSafeErrorText(text: string) {
  expect(text).not.toContain("127.0.0.1");
  expect(text).not.toContain("localhost");
  expect(text).not.toMatch(/\btest\b/);
  expect(text).not.toContain(CLOUDFLARE_TEST_TOKEN);
  expect(text).not.toContain(ANTHROPIC_TEST_KEY);
  expect(text).not.toContain(GOOGLE_TEST_KEY);
  expect(text).not.toMatch(/\bat .*:\d+:\d+/);
  expect(text).not.toMatch(/Error:|AI_/);
}

/** A refusal as the API sends it: this status, a JSON body with this error code, and a message for people. */
export async function expectJsonError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expectSafeErrorText(body.error.message);
  return body.error.message;
}

export type FakeUpstreams = { openai: FakeOpenAI; workersAI: FakeWorkersAI; anthropic: FakeAnthropic; google: FakeGoogle };

/** Starts every fake upstream for a test file, clears their request logs before each test, closes them after. */
export function startFakeUpstreamsPerFile(): FakeUpstreams {
  const upstreams = {} as FakeUpstreams;
  beforeAll(async () => {
    [upstreams.openai, upstreams.workersAI, upstreams.anthropic, upstreams.google] = await Promise.all([
      startFakeOpenAI(),
      startFakeWorkersAI(),
      startFakeAnthropic(),
      startFakeGoogle(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(upstreams).map((upstream) => upstream.close()));
  });
  beforeEach(() => {
    for (const upstream of Object.values(upstreams)) upstream.requests.length = 0;
  });
  return upstreams;
}
