import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { emulateRemoteD1 } from "@/lib/bench/remote-latency";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import * as schema from "./schema";

/** The app's database: Drizzle over the worker's D1 binding `DB` (wrangler.toml). */
export type Database = DrizzleD1Database<typeof schema> & { $client: D1Database };

// One Drizzle instance per binding object (per isolate in a worker, per emulator in next dev and tests).
const instances = new WeakMap<D1Database, Database>();

/**
 * The database of the current request. Works wherever the worker's bindings are: deployed, `npm start` (workerd),
 * `npm run dev` (initOpenNextCloudflareForDev in next.config.mjs) and vitest (tests/support/cloudflare-context.ts).
 */
export async function getDb(): Promise<Database> {
  let binding: D1Database | undefined;
  try {
    binding = (await getCloudflareContext({ async: true })).env.DB;
  } catch (error) {
    console.error(error);
  }
  if (!binding) {
    throw new AppError(
      "config:db",
      'The database is not configured: the worker has no D1 binding "DB" (see [[d1_databases]] in wrangler.toml).',
    );
  }
  let db = instances.get(binding);
  if (!db) {
    db = drizzle(emulateRemoteD1(binding, (await readEnv()).BENCH_REMOTE_MS), { schema });
    instances.set(binding, db);
  }
  return db;
}
