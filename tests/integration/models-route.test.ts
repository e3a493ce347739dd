import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { GET } from "@/app/api/models/route";
import type { ModelsResponse } from "@/lib/chat/types";
import { cleanEnvPerTest } from "../support/chat-client";
import { spyOnConsoleError } from "../support/presets";

const setEnv = cleanEnvPerTest();
let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = spyOnConsoleError();
});
afterEach(() => {
  consoleError.mockRestore();
});

async function getModels(): Promise<{ status: number; body: ModelsResponse; headers: Headers }> {
  const response = await GET();
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe("GET /api/models", () => {
  it("no configuration → the demo model only, uncached JSON", async () => {
    const { status, body, headers } = await getModels();
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toEqual({
      models: [
        {
          id: "demo:offline",
          label: "Offline demo",
          provider: "demo",
          supportsTools: true,
          supportsReasoning: true,
          supportsImages: false,
          isDemo: true,
          isDefault: true,
        },
      ],
      defaultModel: "demo:offline",
    });
  });

  it("OpenAI and Workers AI configured, demo enabled, a default chosen", async () => {
    setEnv({
      OPENAI_API_KEY: "sk-test",
      OPENAI_MODELS: "gpt-4.1-nano,o4-mini",
      CLOUDFLARE_ACCOUNT_ID: "acc",
      CLOUDFLARE_API_TOKEN: "token",
      WORKERS_AI_MODELS: "@cf/zai-org/glm-4.7-flash,@cf/meta/llama-3.1-8b-instruct",
      ENABLE_DEMO_MODEL: "1",
      DEFAULT_MODEL: "workers-ai:@cf/zai-org/glm-4.7-flash",
    });
    const { status, body } = await getModels();
    expect(status).toBe(200);
    expect(body.defaultModel).toBe("workers-ai:@cf/zai-org/glm-4.7-flash");
    expect(body.models.map((model) => [model.id, model.isDefault])).toEqual([
      ["openai:gpt-4.1-nano", false],
      ["openai:o4-mini", false],
      ["workers-ai:@cf/zai-org/glm-4.7-flash", true],
      ["workers-ai:@cf/meta/llama-3.1-8b-instruct", false],
      ["demo:offline", false],
    ]);
    // What each can do: [tools, reasoning, images], the picker's badges.
    expect(body.models.map((model) => [model.id, model.supportsTools, model.supportsReasoning, model.supportsImages])).toEqual([
      ["openai:gpt-4.1-nano", true, false, true],
      ["openai:o4-mini", true, true, true],
      ["workers-ai:@cf/zai-org/glm-4.7-flash", true, true, false],
      ["workers-ai:@cf/meta/llama-3.1-8b-instruct", false, false, false],
      ["demo:offline", true, true, false],
    ]);
  });

  it("never exposes keys, tokens or base URLs", async () => {
    setEnv({
      OPENAI_API_KEY: "sk-very-secret",
      OPENAI_BASE_URL: "https://user:pass@proxy.internal.example/v1",
      CLOUDFLARE_ACCOUNT_ID: "acc-secret-id",
      CLOUDFLARE_API_TOKEN: "cf-very-secret",
      ANTHROPIC_API_KEY: "sk-ant-very-secret",
      ANTHROPIC_BASE_URL: "https://anthropic-proxy.internal.example/v1",
      GOOGLE_GENERATIVE_AI_API_KEY: "AIza-very-secret",
      GOOGLE_BASE_URL: "https://gemini-proxy.internal.example/v1beta",
    });
    const response = await GET();
    const raw = await response.text();
    expect(response.status).toBe(200);
    // Every provider is listed, and none of their settings.
    expect(raw).toContain('"anthropic:claude-haiku-4-5"');
    expect(raw).toContain('"google:gemini-2.5-flash"');
    for (const secret of ["very-secret", "proxy.internal", "pass@", "acc-secret-id"]) {
      expect(raw).not.toContain(secret);
    }
  });

  it("DEFAULT_MODEL for an unconfigured provider → 500 config:default_model", async () => {
    setEnv({ DEFAULT_MODEL: "openai:gpt-4o-mini" });
    const { status, body } = await getModels();
    expect(status).toBe(500);
    expect(body).toEqual({
      error: {
        code: "config:default_model",
        message: expect.stringContaining('DEFAULT_MODEL "openai:gpt-4o-mini" names a provider that is not configured'),
      },
    });
  });

  it("an invalid variable → 500 config:env naming it", async () => {
    setEnv({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "definitely not a url" });
    const { status, body } = await getModels();
    expect(status).toBe(500);
    expect((body as unknown as { error: { code: string; message: string } }).error).toEqual({
      code: "config:env",
      message: "The server is misconfigured: check OPENAI_BASE_URL.",
    });
  });

  it("reads the environment on every request", async () => {
    expect((await getModels()).body.defaultModel).toBe("demo:offline");
    setEnv({ OPENAI_API_KEY: "sk-test" });
    expect((await getModels()).body.defaultModel).toBe("openai:gpt-4o-mini");
  });
});
