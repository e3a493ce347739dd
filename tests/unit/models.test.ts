import { describe, expect, it, vi } from "vitest";
import { listModels, resolveModel } from "@/lib/ai/models";
import { openAIApi } from "@/lib/ai/providers/openai";
import { createWorkersAIModel, hasWorkersAI } from "@/lib/ai/providers/workers-ai";
import type { AppEnv } from "@/lib/env";
import { envSchema, readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { cleanEnvPerTest } from "../support/chat-client";

/** An env as readEnv() returns it with nothing configured; override what a test needs. */
function makeEnv(overrides: Partial<AppEnv> = {}): AppEnv {
  return {
    ...envSchema.parse({}),
    CHAT_TITLES: "prompt",
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

/** Only the tools flag of a summary, whatever the model's other capabilities. */
const tools = { supportsTools: true, supportsReasoning: expect.any(Boolean), supportsImages: expect.any(Boolean) };

describe("listModels", () => {
  it("nothing configured → only the demo model, as the default", () => {
    const models = listModels(makeEnv());
    expect(models).toEqual([
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

  it("ANTHROPIC_API_KEY → the default Claude models; ANTHROPIC_MODELS replaces them; all take tools", () => {
    expect(ids(makeEnv({ ANTHROPIC_API_KEY: "sk-ant" }))).toEqual(["anthropic:claude-haiku-4-5", "anthropic:claude-sonnet-4-5"]);
    const env = makeEnv({ ANTHROPIC_API_KEY: "sk-ant", ANTHROPIC_MODELS: ["claude-opus-4-1", "claude-3-haiku-20240307"] });
    expect(listModels(env)).toEqual([
      { id: "anthropic:claude-opus-4-1", label: "claude-opus-4-1", provider: "anthropic", ...tools, isDemo: false, isDefault: true },
      { id: "anthropic:claude-3-haiku-20240307", label: "claude-3-haiku-20240307", provider: "anthropic", ...tools, isDemo: false, isDefault: false },
    ]);
    expect(ids(makeEnv({ ANTHROPIC_MODELS: ["claude-opus-4-1"] }))).toEqual(["demo:offline"]);
  });

  it("GOOGLE_GENERATIVE_AI_API_KEY → the default Gemini models; GOOGLE_MODELS replaces them; Gemma chats without tools", () => {
    expect(ids(makeEnv({ GOOGLE_GENERATIVE_AI_API_KEY: "AIza-test" }))).toEqual(["google:gemini-2.5-flash", "google:gemini-2.5-pro"]);
    const env = makeEnv({ GOOGLE_GENERATIVE_AI_API_KEY: "AIza-test", GOOGLE_MODELS: ["gemini-2.0-flash", "gemma-3-27b-it", "models/gemma-3n-e4b-it"] });
    expect(listModels(env).map((model) => [model.id, model.label, model.provider, model.supportsTools])).toEqual([
      ["google:gemini-2.0-flash", "gemini-2.0-flash", "google", true],
      ["google:gemma-3-27b-it", "gemma-3-27b-it", "google", false],
      ["google:models/gemma-3n-e4b-it", "gemma-3n-e4b-it", "google", false],
    ]);
    expect(ids(makeEnv({ GOOGLE_MODELS: ["gemini-2.0-flash"] }))).toEqual(["demo:offline"]);
  });

  it("every provider → OpenAI, Workers AI, Anthropic, Gemini, in that order; DEFAULT_MODEL takes anthropic: and google:", () => {
    const env = makeEnv({
      OPENAI_API_KEY: "sk-test",
      OPENAI_MODELS: ["gpt-4.1-nano"],
      ...cloudflare,
      WORKERS_AI_MODELS: ["@cf/zai-org/glm-4.7-flash"],
      ANTHROPIC_API_KEY: "sk-ant",
      ANTHROPIC_MODELS: ["claude-haiku-4-5"],
      GOOGLE_GENERATIVE_AI_API_KEY: "AIza-test",
      GOOGLE_MODELS: ["gemini-2.5-flash"],
    });
    expect(ids(env)).toEqual([
      "openai:gpt-4.1-nano",
      "workers-ai:@cf/zai-org/glm-4.7-flash",
      "anthropic:claude-haiku-4-5",
      "google:gemini-2.5-flash",
    ]);
    expect(defaultOf({ ...env, DEFAULT_MODEL: "anthropic:claude-haiku-4-5" }).map((model) => model.id)).toEqual(["anthropic:claude-haiku-4-5"]);
    // An unlisted model of a configured provider is added, first, as the default.
    expect(defaultOf({ ...env, DEFAULT_MODEL: "google:gemini-2.5-pro" }).map((model) => model.id)).toEqual(["google:gemini-2.5-pro"]);
    expect(ids({ ...env, DEFAULT_MODEL: "google:gemini-2.5-pro" })[0]).toBe("google:gemini-2.5-pro");
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
      ["an unknown provider", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "mistral:large" })],
      ["Anthropic without ANTHROPIC_API_KEY", makeEnv({ OPENAI_API_KEY: "sk-test", DEFAULT_MODEL: "anthropic:claude-haiku-4-5" })],
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

describe("capabilities (tools, reasoning, images) by model family", () => {
  /** Each model's [tools, reasoning, images], as GET /api/models says them. */
  function capabilitiesOf(env: AppEnv) {
    return Object.fromEntries(
      listModels(env).map((model) => [model.id, [model.supportsTools, model.supportsReasoning, model.supportsImages]]),
    );
  }

  it("OpenAI: o-series and gpt-5 reason (gpt-5-chat neither reasons nor takes tools), gpt-4o onwards read images", () => {
    const OPENAI_MODELS = ["gpt-4o-mini", "gpt-4.1-nano", "gpt-3.5-turbo", "o1-mini", "o3-mini", "o4-mini", "o3", "gpt-5", "gpt-5-chat-latest", "llama3.2"];
    expect(capabilitiesOf(makeEnv({ OPENAI_API_KEY: "sk-test", OPENAI_MODELS }))).toEqual({
      "openai:gpt-4o-mini": [true, false, true],
      "openai:gpt-4.1-nano": [true, false, true],
      "openai:gpt-3.5-turbo": [true, false, false],
      "openai:o1-mini": [true, true, false],
      "openai:o3-mini": [true, true, false],
      "openai:o4-mini": [true, true, true],
      "openai:o3": [true, true, true],
      "openai:gpt-5": [true, true, true],
      "openai:gpt-5-chat-latest": [false, false, true],
      // A name OpenAI's rules do not know (an Ollama model behind OPENAI_BASE_URL): tools, nothing claimed.
      "openai:llama3.2": [true, false, false],
    });
  });

  it("Anthropic: Claude 3.7 and 4 onwards reason; every Claude reads images", () => {
    const ANTHROPIC_MODELS = ["claude-3-5-haiku-latest", "claude-3-7-sonnet-latest", "claude-haiku-4-5", "claude-opus-4-1"];
    expect(capabilitiesOf(makeEnv({ ANTHROPIC_API_KEY: "sk-ant", ANTHROPIC_MODELS }))).toEqual({
      "anthropic:claude-3-5-haiku-latest": [true, false, true],
      "anthropic:claude-3-7-sonnet-latest": [true, true, true],
      "anthropic:claude-haiku-4-5": [true, true, true],
      "anthropic:claude-opus-4-1": [true, true, true],
    });
  });

  it("Gemini: 2.5 onwards reason, all read images; Gemma claims nothing", () => {
    const GOOGLE_MODELS = ["gemini-2.0-flash", "gemini-2.5-flash", "models/gemini-3-pro-preview", "gemma-3-27b-it"];
    expect(capabilitiesOf(makeEnv({ GOOGLE_GENERATIVE_AI_API_KEY: "AIza-test", GOOGLE_MODELS }))).toEqual({
      "google:gemini-2.0-flash": [true, false, true],
      "google:gemini-2.5-flash": [true, true, true],
      "google:models/gemini-3-pro-preview": [true, true, true],
      "google:gemma-3-27b-it": [false, false, false],
    });
  });

  it("Workers AI: per model, as known; an unknown model claims nothing", () => {
    expect(capabilitiesOf(makeEnv(cloudflare))).toEqual({
      "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast": [true, false, false],
      "workers-ai:@cf/zai-org/glm-4.7-flash": [true, true, false],
      "workers-ai:@cf/meta/llama-4-scout-17b-16e-instruct": [true, false, true],
    });
    const WORKERS_AI_MODELS = ["@cf/moonshotai/kimi-k2.5", "@cf/openai/gpt-oss-120b", "@cf/qwen/qwq-32b", "@cf/meta/llama-3.1-8b-instruct"];
    expect(capabilitiesOf(makeEnv({ ...cloudflare, WORKERS_AI_MODELS }))).toEqual({
      "workers-ai:@cf/moonshotai/kimi-k2.5": [true, true, true],
      "workers-ai:@cf/openai/gpt-oss-120b": [true, true, false],
      "workers-ai:@cf/qwen/qwq-32b": [false, true, false],
      "workers-ai:@cf/meta/llama-3.1-8b-instruct": [false, false, false],
    });
  });

  it("the demo: tools and reasoning, no images", () => {
    expect(capabilitiesOf(makeEnv())).toEqual({ "demo:offline": [true, true, false] });
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

  it("Anthropic builds a Messages model, Gemini a generative-ai model, with the configured id", () => {
    const env = makeEnv({ ANTHROPIC_API_KEY: "sk-ant", GOOGLE_GENERATIVE_AI_API_KEY: "AIza-test", GOOGLE_MODELS: ["gemini-2.0-flash"] });
    expect(resolveModel(env, "anthropic:claude-sonnet-4-5").model).toMatchObject({ provider: "anthropic.messages", modelId: "claude-sonnet-4-5" });
    expect(resolveModel(env, "google:gemini-2.0-flash").model).toMatchObject({ provider: "google.generative-ai", modelId: "gemini-2.0-flash" });
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

  it("parses once while the variables stay the same, and again when one changes", async () => {
    const parse = vi.spyOn(envSchema, "safeParse");
    setEnv({ OPENAI_API_KEY: "sk-one", OPENAI_MODELS: "gpt-4.1-nano" });
    const first = await readEnv();
    const second = await readEnv();
    expect(second).toEqual(first);
    process.env.OPENAI_MODELS = "o4-mini";
    expect((await readEnv()).OPENAI_MODELS).toEqual(["o4-mini"]);
    process.env.OPENAI_MODELS = "gpt-4.1-nano";
    expect((await readEnv()).OPENAI_MODELS).toEqual(["gpt-4.1-nano"]);
    expect(parse).toHaveBeenCalledTimes(3);
    parse.mockRestore();
  });

  it.each([
    ["OPENAI_BASE_URL", "not a url"],
    ["WORKERS_AI_BASE_URL", "ftp//nope"],
    ["ANTHROPIC_BASE_URL", "api.anthropic.com"],
    ["GOOGLE_BASE_URL", "not a url"],
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

describe("MODEL_FALLBACKS", () => {
  const parse = (value: string) => envSchema.safeParse({ MODEL_FALLBACKS: value });

  it("chains joined by >, comma-separated, keyed by their first model; spaces trimmed; unset: none", () => {
    const parsed = parse(" openai:gpt-4o-mini > workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast ,anthropic:claude-haiku-4-5>google:gemini-2.5-flash>openai:gpt-4o-mini");
    expect(parsed.success).toBe(true);
    expect(Object.fromEntries(parsed.data!.MODEL_FALLBACKS)).toEqual({
      "openai:gpt-4o-mini": ["openai:gpt-4o-mini", "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast"],
      "anthropic:claude-haiku-4-5": ["anthropic:claude-haiku-4-5", "google:gemini-2.5-flash", "openai:gpt-4o-mini"],
    });
    expect(envSchema.parse({}).MODEL_FALLBACKS.size).toBe(0);
  });

  it.each([
    ["openai:gpt-4o-mini", "needs at least two models joined by >"],
    ["openai:gpt-4o-mini>gpt-4.1-mini", "names each model as provider:model"],
    ["openai:gpt-4o-mini>>workers-ai:@cf/x", "names each model as provider:model"],
    ["openai:a>openai:a", "names a model twice"],
    ["openai:a>openai:b,openai:a>openai:c", "is the second chain starting with openai:a"],
  ])("%s → an issue on MODEL_FALLBACKS saying what is wrong", (value, problem) => {
    const parsed = parse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toMatchObject([{ path: ["MODEL_FALLBACKS"], message: expect.stringContaining(problem) }]);
  });

  describe("through readEnv", () => {
    const setEnv = cleanEnvPerTest();

    it("bad syntax → config:env naming MODEL_FALLBACKS", async () => {
      setEnv({ MODEL_FALLBACKS: "openai:gpt-4o-mini;workers-ai:@cf/x" });
      const error = await readEnv().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("config:env");
      expect((error as AppError).message).toContain("MODEL_FALLBACKS");
    });
  });

  it("a fallback whose provider is not configured → config:model_fallbacks naming it", () => {
    const env = makeEnv({ OPENAI_API_KEY: "sk-test", MODEL_FALLBACKS: new Map([["openai:gpt-4o-mini", ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]]]) });
    expect(() => resolveModel(env, "openai:gpt-4o-mini")).toThrow(
      expect.objectContaining({ code: "config:model_fallbacks", message: expect.stringContaining("anthropic:claude-haiku-4-5") }),
    );
    // A model that heads no chain is unaffected.
    expect(() => resolveModel(env, "openai:gpt-4.1-mini")).not.toThrow();
  });
});
