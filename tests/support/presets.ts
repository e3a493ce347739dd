/** Env presets that point the app at the fake upstreams, and checks shared by the integration tests. */
import { afterAll, beforeAll, beforeEach, expect, vi, type MockInstance } from "vitest";
import type { EnvKey } from "./chat-client";
import { startFakeOpenAI, type FakeOpenAI } from "./fake-openai";
import { startFakeWorkersAI, type FakeWorkersAI } from "./fake-workers-ai";

export const OPENAI_TEST_KEY = "test";
export const CLOUDFLARE_TEST_TOKEN = "cf-test-token";
export const OPENAI_MODEL = "gpt-4.1-nano";
export const WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

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

/** Starts both fake upstreams for a test file, clears their request logs before each test, closes them after. */
export function startFakeUpstreamsPerFile(): { openai: FakeOpenAI; workersAI: FakeWorkersAI } {
  const upstreams = {} as { openai: FakeOpenAI; workersAI: FakeWorkersAI };
  beforeAll(async () => {
    [upstreams.openai, upstreams.workersAI] = await Promise.all([startFakeOpenAI(), startFakeWorkersAI()]);
  });
  afterAll(async () => {
    await Promise.all([upstreams.openai.close(), upstreams.workersAI.close()]);
  });
  beforeEach(() => {
    upstreams.openai.requests.length = 0;
    upstreams.workersAI.requests.length = 0;
  });
  return upstreams;
}
