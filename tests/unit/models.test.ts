import { describe, expect, it } from "vitest";
import { listModels, resolveModel } from "@/lib/ai/models";
import { openAIApi } from "@/lib/ai/providers/openai";
import { createWorkersAIModel, hasWorkersAI } from "@/lib/ai/providers/workers-ai";
import type { AppEnv } from "@/lib/env";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { cleanEnvPerTest } from "../support/chat-client";

/** An env as readEnv() returns it with nothing configured; override what a test needs. */
function makeEnv(overrides: Partial<AppEnv> = {}): AppEnv {
  return {
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    OPENAI_API: undefined,
    OPENAI_MODELS: [],
    CLOUDFLARE_ACCOUNT_ID: undefined,
    CLOUDFLARE_API_TOKEN: undefined,
    WORKERS_AI_BASE_URL: undefined,
    WORKERS_AI_MODELS: [],
    DEFAULT_MODEL: undefined,
    ENABLE_DEMO_MODEL: false,
    DEMO_DELAY_MS: 20,
    WEATHER_API_BASE_URL: undefined,
    SESSION_SECRET: undefined,
    CHAT_TITLES: "prompt",
    EMBED_ALLOWED_ORIGINS: [],
    EMBED_MODEL: undefined,
    EMBED_INSTRUCTIONS: undefined,
    UPSTREAM_STALL_MS: 30_000,
    DAILY_TOKEN_BUDGET: 200_000,
    EMBED_DAILY_TOKEN_BUDGET: 50_000,
    BENCH_RAW_PIPE: false,
    AI: undefined,
    ...overrides,
  };
}

const ids = (env: AppEnv) => listModels(env).map((model) => model.id);
const defaultOf = (env: AppEnv) => listModels(env).filter((model) => model.isDefault);
const fakeBinding = { run: async () => ({ response: "" }) } as unknown as AppEnv["AI"];
const cloudflare = { CLOUDFLARE_ACCOUNT_ID: "acc-1", CLOUDFLARE_API_TOKEN: "cf-token" };

/** The `provider` string of the built AI SDK model, e.g. "openai.chat". */
function providerOf(env: AppEnv, id?: string): string {
  const { model } = resolveModel(env, id);
  return (model as { provider: string }).provider;
}

describe("listModels", () => {
  it("nothing configured → only the demo model, as the default", () => {
    const models = listModels(makeEnv());
    expect(models).toEqual([
      { id: "demo:offline", label: "Offline demo", provider: "demo", supportsTools: true, isDemo: true, isDefault: true },
    ]);
  });

  it("OPENAI_API_KEY → the default OpenAI models, first one default, no demo", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test" });
    expect(ids(env)).toEqual(["openai:gpt-4o-mini", "openai:gpt-4.1-mini"]);
    expect(defaultOf(env).map((model) => model.id)).toEqual(["openai:gpt-4o-mini"]);
    expect(listModels(env).every((model) => model.provider === "openai" && model.supportsTools && !model.isDemo)).toBe(true);
  });

  it("OPENAI_MODELS replaces the default OpenAI list, in order", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_MODELS: ["gpt-4.1-nano", "o4-mini"] });
    expect(ids(env)).toEqual(["openai:gpt-4.1-nano", "openai:o4-mini"]);
    expect(listModels(env)[0]).toMatchObject({ label: "gpt-4.1-nano", isDefault: true });
  });

  it("OPENAI_MODELS without OPENAI_API_KEY offers nothing from OpenAI", () => {
    expect(ids(makeEnv({ OPENAI_MODELS: ["gpt-4.1-nano"] }))).toEqual(["demo:offline"]);
  });

  it("ENABLE_DEMO_MODEL keeps the demo next to real providers, last and not default", () => {
    const models = listModels(makeEnv({ OPENAI_API_KEY: "sk-test", ENABLE_DEMO_MODEL: true }));
    expect(models.map((model) => model.id)).toEqual(["openai:gpt-4o-mini", "openai:gpt-4.1-mini", "demo:offline"]);
    expect(models.at(-1)).toMatchObject({ isDemo: true, isDefault: false });
  });

  it("Workers AI via CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN → default Workers AI models", () => {
    const env = makeEnv(cloudflare);
    expect(ids(env)).toEqual([
      "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast",
      "workers-ai:@cf/zai-org/glm-4.7-flash",
      "workers-ai:@cf/meta/llama-4-scout-17b-16e-instruct",
    ]);
    expect(listModels(env)[0]).toMatchObject({ label: "llama-3.3-70b-instruct-fp8-fast", provider: "workers-ai", isDefault: true });
  });

  it("only one of the two Cloudflare credentials is not enough", () => {
    expect(ids(makeEnv({ CLOUDFLARE_ACCOUNT_ID: "acc-1" }))).toEqual(["demo:offline"]);
    expect(ids(makeEnv({ CLOUDFLARE_API_TOKEN: "cf-token" }))).toEqual(["demo:offline"]);
  });

  it("the AI binding alone enables Workers AI", () => {
    expect(hasWorkersAI(makeEnv({ AI: fakeBinding }))).toBe(true);
    expect(ids(makeEnv({ AI: fakeBinding }))[0]).toBe("workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast");
  });

  it("WORKERS_AI_MODELS replaces the default list; supportsTools follows the known tool models", () => {
    const env = makeEnv({
      ...cloudflare,
      WORKERS_AI_MODELS: ["@cf/moonshotai/kimi-k2.5", "@cf/meta/llama-3.1-8b-instruct", "@hf/nousresearch/hermes-2-pro-mistral-7b"],
    });
    const byId = Object.fromEntries(listModels(env).map((model) => [model.id, model.supportsTools]));
    expect(byId).toEqual({
      "workers-ai:@cf/moonshotai/kimi-k2.5": true,
      "workers-ai:@cf/meta/llama-3.1-8b-instruct": false,
      "workers-ai:@hf/nousresearch/hermes-2-pro-mistral-7b": true,
    });
  });

  it("both providers → OpenAI first, then Workers AI; the first OpenAI model is the default", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_MODELS: ["gpt-4.1-nano"], ...cloudflare, WORKERS_AI_MODELS: ["@cf/zai-org/glm-4.7-flash"] });
    expect(ids(env)).toEqual(["openai:gpt-4.1-nano", "workers-ai:@cf/zai-org/glm-4.7-flash"]);
    expect(defaultOf(env)).toHaveLength(1);
  });

  describe("DEFAULT_MODEL", () => {
    it("picks a listed model as the default without reordering", () => {
      const env = makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "openai:gpt-4.1-mini" });
      expect(ids(env)).toEqual(["openai:gpt-4o-mini", "openai:gpt-4.1-mini"]);
      expect(defaultOf(env).map((model) => model.id)).toEqual(["openai:gpt-4.1-mini"]);
    });

    it("adds an unlisted model of a configured provider, first, as the default", () => {
      const env = makeEnv({ ...cloudflare, DEFAULT_MODEL: "workers-ai:@cf/qwen/qwen3-30b-a3b-fp8" });
      const models = listModels(env);
      expect(models[0]).toMatchObject({ id: "workers-ai:@cf/qwen/qwen3-30b-a3b-fp8", label: "qwen3-30b-a3b-fp8", isDefault: true, supportsTools: false });
      expect(models).toHaveLength(4);
      expect(models.filter((model) => model.isDefault)).toHaveLength(1);
    });

    it("can make the demo the default when it is enabled", () => {
      const env = makeEnv({ OPENAI_API_KEY: "sk-test", ENABLE_DEMO_MODEL: true, DEFAULT_MODEL: "demo:offline" });
      expect(defaultOf(env).map((model) => model.id)).toEqual(["demo:offline"]);
    });

    it.each([
      ["a provider that is not configured", makeEnv({ DEFAULT_MODEL: "openai:gpt-4o-mini" })],
      ["the demo while a real provider hides it", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "demo:offline" })],
      ["an unknown provider", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "anthropic:claude" })],
      ["no provider prefix", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "gpt-4o-mini" })],
      ["an empty model after the prefix", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "openai:" })],
    ])("names %s → a clear config:default_model error (HTTP 500)", (_name, env) => {
      let thrown: unknown;
      try {
        listModels(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe("config:default_model");
      expect((thrown as AppError).status).toBe(500);
      expect((thrown as AppError).message).toContain(`DEFAULT_MODEL "${env.DEFAULT_MODEL}"`);
      expect((thrown as AppError).message).toMatch(/provider:model/);
    });
  });
});

describe("resolveModel", () => {
  it("without an id → the default model, built", () => {
    const { info, model } = resolveModel(makeEnv());
    expect(info.id).toBe("demo:offline");
    expect(model).toMatchObject({ specificationVersion: "v4", provider: "demo", modelId: "offline" });
  });

  it("with a listed id → that model", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_MODELS: ["gpt-4.1-nano", "o4-mini"] });
    const { info, model } = resolveModel(env, "openai:o4-mini");
    expect(info).toMatchObject({ id: "openai:o4-mini", isDefault: false });
    expect(model).toMatchObject({ modelId: "o4-mini" });
  });

  it("keeps everything after the first colon as the model id", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_MODELS: ["ft:gpt-4o-mini:acme::abc123"] });
    expect(resolveModel(env, "openai:ft:gpt-4o-mini:acme::abc123").model).toMatchObject({ modelId: "ft:gpt-4o-mini:acme::abc123" });
  });

  it("an unlisted id → 400 bad_request:model naming what is available", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test" });
    for (const id of ["openai:gpt-9", "demo:offline", "workers-ai:@cf/zai-org/glm-4.7-flash"]) {
      let thrown: unknown;
      try {
        resolveModel(env, id);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, id).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe("bad_request:model");
      expect((thrown as AppError).status).toBe(400);
      expect((thrown as AppError).message).toBe(`Unknown model "${id}". Available: openai:gpt-4o-mini, openai:gpt-4.1-mini.`);
    }
  });

  it("Workers AI over REST and over the binding both build a workersai.chat model", () => {
    expect(providerOf(makeEnv(cloudflare))).toBe("workersai.chat");
    expect(providerOf(makeEnv({ AI: fakeBinding }))).toBe("workersai.chat");
  });

  it("createWorkersAIModel without credentials or binding → config:workers_ai", () => {
    expect(() => createWorkersAIModel(makeEnv(), "@cf/zai-org/glm-4.7-flash")).toThrowError(
      expect.objectContaining({ code: "config:workers_ai" }),
    );
  });
});

describe("openAIApi (which OpenAI API the app speaks)", () => {
  it.each([
    [undefined, undefined, "responses"],
    ["https://api.openai.com/v1", undefined, "responses"],
    ["https://api.openai.com/v1/", undefined, "responses"],
    ["https://api.openai.com/v1///", undefined, "responses"],
    ["http://localhost:11434/v1", undefined, "chat"],
    ["https://api.groq.com/openai/v1", undefined, "chat"],
    ["https://gateway.ai.cloudflare.com/v1/acc/gw/compat", undefined, "chat"],
    ["http://localhost:11434/v1", "responses", "responses"],
    ["https://api.openai.com/v1", "chat", "chat"],
    [undefined, "chat", "chat"],
  ] as const)("OPENAI_BASE_URL=%s OPENAI_API=%s → %s", (baseURL, api, expected) => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: baseURL, OPENAI_API: api });
    expect(openAIApi(env)).toBe(expected);
    // …and the model the registry builds speaks that API.
    expect(providerOf(env)).toBe(`openai.${expected}`);
  });
});

describe("readEnv (process.env → AppEnv)", () => {
  const setEnv = cleanEnvPerTest();

  it("parses lists, flags and numbers", async () => {
    setEnv({
      OPENAI_API_KEY: "  sk-test  ",
      OPENAI_MODELS: " gpt-4.1-nano, ,o4-mini ,",
      ENABLE_DEMO_MODEL: "TRUE",
      DEMO_DELAY_MS: "5",
      OPENAI_API: "chat",
    });
    const env = await readEnv();
    expect(env).toMatchObject({
      OPENAI_API_KEY: "sk-test",
      OPENAI_MODELS: ["gpt-4.1-nano", "o4-mini"],
      WORKERS_AI_MODELS: [],
      ENABLE_DEMO_MODEL: true,
      DEMO_DELAY_MS: 5,
      OPENAI_API: "chat",
      AI: undefined,
    });
  });

  it("defaults: demo delay 20 ms, flags off, blank values unset", async () => {
    setEnv({ OPENAI_API_KEY: "   ", ENABLE_DEMO_MODEL: "yes" });
    const env = await readEnv();
    expect(env).toMatchObject({ OPENAI_API_KEY: undefined, ENABLE_DEMO_MODEL: false, DEMO_DELAY_MS: 20 });
    expect(ids(env)).toEqual(["demo:offline"]);
  });

  it.each([
    ["OPENAI_BASE_URL", "not a url"],
    ["WORKERS_AI_BASE_URL", "ftp//nope"],
    ["OPENAI_API", "completions"],
    ["DEMO_DELAY_MS", "-1"],
    ["DEMO_DELAY_MS", "99999"],
  ] as const)("%s=%s → config:env naming the variable, not its value", async (key, value) => {
    setEnv({ [key]: value });
    const error = await readEnv().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("config:env");
    expect((error as AppError).message).toContain(key);
    expect((error as AppError).message).not.toContain(value);
  });
});
