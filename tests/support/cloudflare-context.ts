/**
 * vitest setup file (every test file): gives the tests what a local run has.
 * - OpenNext's Cloudflare context, with a real local D1 as the `DB` binding (tests/support/d1.ts), so
 *   `getCloudflareContext({ async: true })`, `getDb()` and route handlers work as in the worker. The database starts
 *   on the file's first query (a fresh one per test file) and is disposed after the file.
 * - A SESSION_SECRET, as `npm start` and `npm run dev` always have one (tests may still override or delete it).
 * Other bindings (ASSETS, AI) are absent, as in local runs without Workers AI credentials.
 */
import { afterAll } from "vitest";
import { lazyD1, startLocalD1, type LocalD1 } from "./d1";

/** The key OpenNext's getCloudflareContext reads (`@opennextjs/cloudflare` dist/api/cloudflare-context.js). */
const CONTEXT = Symbol.for("__cloudflare-context__");

let local: Promise<LocalD1> | undefined;

const env = { DB: lazyD1(async () => (await (local ??= startLocalD1())).db) };
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
(globalThis as Record<symbol, unknown>)[CONTEXT] = { env, cf: {}, ctx };

process.env.SESSION_SECRET ??= "vitest-session-secret";
// Titles from the question's first words: a title request to the fake upstreams would change what they see.
process.env.CHAT_TITLES ??= "prompt";

afterAll(async () => {
  if (local) await (await local).dispose();
  local = undefined;
});
