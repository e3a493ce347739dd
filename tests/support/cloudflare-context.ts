/**
 * vitest setup file (every test file): gives the tests what a local run has.
 * - OpenNext's Cloudflare context, with a real local D1 as the `DB` binding (tests/support/d1.ts), so
 *   `getCloudflareContext({ async: true })`, `getDb()` and route handlers work as in the worker. The database starts
 *   on the file's first query (a fresh one per test file) and is disposed after the file.
 * - A SESSION_SECRET, as `npm start` and `npm run dev` always have one (tests may still override or delete it).
 * - The rate limiters of wrangler.toml, from the same local workerd (counts start at zero in each file).
 * Other bindings (ASSETS, AI) are absent, as in local runs without Workers AI credentials.
 */
import { afterAll } from "vitest";
import { lazyD1, startLocalD1, type LocalD1 } from "./d1";

/** The key OpenNext's getCloudflareContext reads (`@opennextjs/cloudflare` dist/api/cloudflare-context.js). */
const CONTEXT = Symbol.for("__cloudflare-context__");

let local: Promise<LocalD1> | undefined;

const started = () => (local ??= startLocalD1());

/** A rate limiter binding of the local workerd, started on first use like the database. */
function lazyLimiter(name: "VISITOR_LIMITER" | "EMBED_VISITOR_LIMITER" | "IP_LIMITER" | "NEW_VISITOR_LIMITER" | "OWNER_LIMITER"): RateLimit {
  return { limit: async (options) => ((await started()).env[name] as RateLimit).limit(options) };
}

const env = {
  DB: lazyD1(async () => (await started()).db),
  VISITOR_LIMITER: lazyLimiter("VISITOR_LIMITER"),
  EMBED_VISITOR_LIMITER: lazyLimiter("EMBED_VISITOR_LIMITER"),
  IP_LIMITER: lazyLimiter("IP_LIMITER"),
  NEW_VISITOR_LIMITER: lazyLimiter("NEW_VISITOR_LIMITER"),
  OWNER_LIMITER: lazyLimiter("OWNER_LIMITER"),
};
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
(globalThis as Record<symbol, unknown>)[CONTEXT] = { env, cf: {}, ctx };

process.env.SESSION_SECRET ??= "vitest-session-secret";
// Titles from the question's first words: a title request to the fake upstreams would change what they see.
process.env.CHAT_TITLES ??= "prompt";

afterAll(async () => {
  if (local) await (await local).dispose();
  local = undefined;
});
