import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { z } from "zod";
import { AppError } from "@/lib/errors";

/** Whether an invalid ADMIN_TOKEN has been logged (once per isolate, not on every request that reads the env). */
let adminTokenLogged = false;

/** Comma-separated list → trimmed, non-empty entries. */
const list = z
  .string()
  .optional()
  .transform((value) => (value ?? "").split(",").map((item) => item.trim()).filter(Boolean));

const optionalText = z
  .string()
  .optional()
  .transform((value) => value?.trim() || undefined);

/**
 * MODEL_FALLBACKS: chains of `provider:model` ids joined by ">", several chains comma-separated, e.g.
 * `openai:gpt-4o-mini>workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast,anthropic:claude-haiku-4-5>google:gemini-2.5-flash`.
 * Each chain is keyed by its first model (no two chains may start with the same one).
 */
const MODEL_ID = /^[a-z-]+:\S+$/;
const fallbackChains = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const chains = new Map<string, string[]>();
    for (const text of (value ?? "").split(",").map((chain) => chain.trim()).filter(Boolean)) {
      const chain = text.split(">").map((id) => id.trim());
      const problem =
        chain.length < 2
          ? "needs at least two models joined by >"
          : chain.some((id) => !MODEL_ID.test(id))
            ? "names each model as provider:model"
            : new Set(chain).size < chain.length
              ? "names a model twice"
              : chains.has(chain[0])
                ? `is the second chain starting with ${chain[0]}`
                : undefined;
      if (problem) {
        ctx.addIssue({ code: "custom", message: `MODEL_FALLBACKS: the chain "${text}" ${problem}.` });
        return z.NEVER;
      }
      chains.set(chain[0], chain);
    }
    return chains;
  });

/**
 * ACCESS_TEAM_DOMAIN: the Zero Trust team domain, `<team>.cloudflareaccess.com`, with or without `https://`. Kept as
 * the bare lowercase host: the Access token's issuer is `https://<host>` (lib/security/owner.ts).
 */
const teamDomain = optionalText.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const host = value.replace(/^https:\/\//i, "").replace(/\/$/, "").toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) {
    ctx.addIssue({ code: "custom", message: "ACCESS_TEAM_DOMAIN is a host like myteam.cloudflareaccess.com." });
    return z.NEVER;
  }
  return host;
});

const flag = z
  .string()
  .optional()
  .transform((value) => value === "1" || value?.toLowerCase() === "true");

export const envSchema = z.object({
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalText.pipe(z.url().optional()),
  /** Which OpenAI API to speak. Default: Responses for api.openai.com, Chat Completions for any other base URL. */
  OPENAI_API: z.enum(["responses", "chat"]).optional(),
  OPENAI_MODELS: list,
  CLOUDFLARE_ACCOUNT_ID: optionalText,
  CLOUDFLARE_API_TOKEN: optionalText,
  WORKERS_AI_BASE_URL: optionalText.pipe(z.url().optional()),
  WORKERS_AI_MODELS: list,
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_BASE_URL: optionalText.pipe(z.url().optional()),
  ANTHROPIC_MODELS: list,
  GOOGLE_GENERATIVE_AI_API_KEY: optionalText,
  GOOGLE_BASE_URL: optionalText.pipe(z.url().optional()),
  /**
   * Cloudflare AI Gateway (lib/ai/gateway.ts): its id sends every provider without its own *_BASE_URL through the
   * gateway (the Workers AI binding through its `gateway` option). Needs CLOUDFLARE_ACCOUNT_ID for the HTTP providers.
   */
  AI_GATEWAY_ID: optionalText,
  /** An authenticated gateway's token (sent as `cf-aig-authorization`). */
  AI_GATEWAY_TOKEN: optionalText,
  /** Seconds the gateway may cache a model's answer (`cf-aig-cache-ttl`); 0 leaves it to the gateway's settings. */
  AI_GATEWAY_CACHE_TTL: z.coerce.number().int().min(0).max(30 * 24 * 3600).default(0),
  /** The gateway's address; only for tests and proxies. Default: Cloudflare's. */
  AI_GATEWAY_URL: optionalText.pipe(z.url().optional()),
  GOOGLE_MODELS: list,
  DEFAULT_MODEL: optionalText,
  /** Models that answer when a model fails before its first token: `first>second>…`, chains comma-separated. */
  MODEL_FALLBACKS: fallbackChains,
  /** Keep the offline demo model in the picker even when a real provider is configured. */
  ENABLE_DEMO_MODEL: flag,
  DEMO_DELAY_MS: z.coerce.number().int().min(0).max(5_000).default(20),
  /** Replaces Open-Meteo's hosts for the getWeather tool (tests, proxies). */
  WEATHER_API_BASE_URL: optionalText.pipe(z.url().optional()),
  /** How new chats get their titles: "model" asks the chat's model, "prompt" takes the question's first words. */
  CHAT_TITLES: z.enum(["model", "prompt"]).default("model"),
  /** Signs visitor cookies and tool approvals. */
  SESSION_SECRET: optionalText,
  /** Host pages allowed to embed the widget (/embed) and call the chat API cross-origin. Empty: embedding is off. */
  EMBED_ALLOWED_ORIGINS: list,
  /** The model embedded chats use (`provider:model`), whatever the widget asks for. Default: DEFAULT_MODEL. */
  EMBED_MODEL: optionalText,
  /** Extra system instructions for embedded chats (server-side only: a host page cannot set them). */
  EMBED_INSTRUCTIONS: optionalText,
  /**
   * Seconds the widget's answer to an opening question is shared (Workers KV, lib/chat/embed-cache.ts): the same first
   * question from another visitor of the site gets it without a model call. 0 turns it off.
   */
  EMBED_CACHE_TTL: z.coerce.number().int().min(0).max(30 * 24 * 3600).default(0),
  /** An answer whose model sends nothing for this long (before or between chunks) is cut off with an error. */
  UPSTREAM_STALL_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Tokens (input + output) one visitor may spend per UTC day; 0 turns the budget off. */
  DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(200_000),
  /** The same for visitors of the embedded widget (usually lower: anyone on the host site is one). */
  EMBED_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(50_000),
  /** Tokens all visitors from one client IP may spend per UTC day, whatever identities they use; 0 turns it off. */
  DAILY_IP_TOKEN_BUDGET: z.coerce.number().int().min(0).default(1_000_000),
  /**
   * Keys of the OpenAI-compatible API (/v1): the lowercase hex SHA-256 digests of the key strings (`ec_…`),
   * comma-separated. Empty: the API answers 401 to everyone.
   */
  API_KEYS: list.pipe(z.array(z.string().regex(/^[0-9a-f]{64}$/, "API_KEYS holds lowercase hex SHA-256 digests"))),
  /**
   * Seconds an API answer stays cached (Workers KV, lib/api/response-cache.ts) for requests with `temperature: 0` or
   * `x-edge-chat-cache: on`, per key; 0 turns the cache off.
   */
  RESPONSE_CACHE_TTL: z.coerce.number().int().min(0).max(30 * 24 * 3600).default(0),
  /** Tokens (input + output) one API key may spend per UTC day; 0 turns the budget off. */
  API_KEY_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(1_000_000),
  /**
   * Model prices for the usage page's cost estimates (lib/metrics/prices.ts), US dollars per million tokens, as JSON:
   * `{"openai:gpt-4o-mini": {"input": 0.15, "output": 0.6}}`. Adds to and overrides the built-in table.
   */
  MODEL_PRICES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value?.trim()) return {};
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "MODEL_PRICES is not JSON." });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(MODEL_ID), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict())),
  /**
   * Analytics Engine's SQL API for the usage page (lib/metrics/analytics-engine.ts): an API token with Account
   * Analytics Read, used with CLOUDFLARE_ACCOUNT_ID. Without it the page reads the usage records in D1.
   */
  ANALYTICS_API_TOKEN: optionalText,
  /** The dataset the ANALYTICS binding writes (wrangler.toml's `dataset`), for the SQL API's queries. */
  ANALYTICS_DATASET: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default("edge_chat_answers"),
  /** The SQL API's address; only for tests and proxies. Default: Cloudflare's. */
  ANALYTICS_SQL_URL: optionalText.pipe(z.url().optional()),
  /**
   * The owner's password for the usage pages (lib/security/owner.ts): the sign-in form on /usage, and
   * `Authorization: Bearer <ADMIN_TOKEN>` on the usage data endpoints. At least 16 characters: it guards the usage data
   * (a shorter one is ignored).
   */
  ADMIN_TOKEN: optionalText
    .pipe(z.string().min(16, "ADMIN_TOKEN needs at least 16 characters").optional())
    // A bad password turns the owner's sign-in off, not the whole app (chat included): it is ignored, and logged once.
    .catch(({ error }) => {
      if (!adminTokenLogged) console.error(`edge-chat: ${error.issues[0].message}; it is ignored, so the password sign-in is off.`);
      adminTokenLogged = true;
      return undefined;
    }),
  /** Cloudflare Access in front of the usage pages: the team domain and the application's AUD tag, both or neither. */
  ACCESS_TEAM_DOMAIN: teamDomain,
  ACCESS_AUD: optionalText,
  /** Where Access's signing keys are read; only for tests. Default: https://<ACCESS_TEAM_DOMAIN>/cdn-cgi/access/certs. */
  ACCESS_CERTS_URL: optionalText.pipe(z.url().optional()),
  /** `npm run bench` only: enables GET /api/bench/raw, a plain pipe from the upstream (the baseline it measures). */
  BENCH_RAW_PIPE: flag,
  /** `npm run bench` only: this many ms added to every D1 and Durable Object call, as on Cloudflare (lib/bench/remote-latency.ts). */
  BENCH_REMOTE_MS: z.coerce.number().int().min(0).max(1_000).default(0),
}).superRefine((env, ctx) => {
  // One without the other would leave Access half set up, silently refusing everyone.
  if (!env.ACCESS_TEAM_DOMAIN !== !env.ACCESS_AUD) {
    ctx.addIssue({ code: "custom", path: [env.ACCESS_AUD ? "ACCESS_TEAM_DOMAIN" : "ACCESS_AUD"], message: "Set ACCESS_TEAM_DOMAIN and ACCESS_AUD together." });
  }
});

export type AppEnv = z.infer<typeof envSchema> & {
  /** The Workers AI binding; present only when deployed (it is remote-only, so local runs leave it out). */
  AI?: CloudflareEnv["AI"];
};

/** The variables the schema reads. */
const ENV_NAMES = Object.keys(envSchema.shape);

/** The last configuration parsed, by its variables' values. */
let lastParsed: { key: string; data: z.infer<typeof envSchema> } | undefined;

/**
 * Reads configuration from process.env (OpenNext copies the worker's string vars there) plus the worker's bindings.
 * A chat turn reads it about ten times and the schema's parse is what costs, so a parse is reused while the values
 * it read are the same (OpenNext copies the same values again on every request).
 */
export async function readEnv(): Promise<AppEnv> {
  const key = ENV_NAMES.map((name) => process.env[name] ?? "\u0001").join("\u0000");
  if (lastParsed?.key !== key) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
      throw new AppError("config:env", `The server is misconfigured: check ${fields}.`);
    }
    lastParsed = { key, data: parsed.data };
  }
  return { ...lastParsed.data, AI: await readAiBinding() };
}

async function readAiBinding(): Promise<CloudflareEnv["AI"] | undefined> {
  try {
    const { env } = await getCloudflareContext({ async: true });
    return env.AI;
  } catch {
    // Outside a worker or `next dev` emulation (unit tests, scripts) there are no bindings.
    return undefined;
  }
}

/**
 * A Durable Object namespace binding, or undefined where there are no objects: `next dev` (its bindings emulator
 * declares the binding but cannot run the class: "no such actor class") and plain Node (vitest). Callers run the
 * object's core in process memory there (lib/chat/conversations.ts, lib/metrics/live-streams.ts).
 */
export async function objectNamespace<K extends "CONVERSATION" | "LIVE_STREAMS">(binding: K): Promise<CloudflareEnv[K] | undefined> {
  if (process.env.NODE_ENV === "development") return undefined;
  try {
    const { env } = await getCloudflareContext({ async: true });
    return (env as Partial<CloudflareEnv>)[binding];
  } catch {
    return undefined;
  }
}
