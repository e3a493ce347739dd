// What every local run needs before the app starts, shared by scripts/start.mjs (`npm start`, the e2e worker) and
// next.config.mjs (`npm run dev`, `next dev`):
// - localSessionSecret(): a random SESSION_SECRET generated once and kept in .wrangler/session-secret (gitignored).
// - applyLocalMigrations(): `wrangler d1 migrations apply DB --local` on the local D1 in .wrangler/state, skipped
//   (in a few ms) when a stamp says the current migrations are already applied there.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "node_modules", ".bin");
export const MIGRATIONS_DIR = join(root, "lib", "db", "migrations");
/** Where wrangler keeps local state by default (wrangler dev, wrangler d1 … --local, initOpenNextCloudflareForDev). */
export const DEFAULT_STATE = join(root, ".wrangler", "state");
/** The local D1 databases under a state folder, and this script's stamp and lock there. */
const d1Paths = (state) => {
  const d1 = join(state, "v3", "d1");
  return { d1, stamp: join(d1, "edge-chat-migrations.json"), lock: join(d1, "edge-chat-migrations.lock") };
};

/** The local SESSION_SECRET: read from .wrangler/session-secret, created (random, 32 bytes) on first use. */
export function localSessionSecret() {
  const path = join(root, ".wrangler", "session-secret");
  try {
    const secret = readFileSync(path, "utf8").trim();
    if (secret) return secret;
  } catch {
    // not created yet
  }
  mkdirSync(join(root, ".wrangler"), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(path, secret + "\n", { mode: 0o600 });
  return secret;
}

/** The migration files (name + content hash), in the order wrangler applies them. */
function migrationsFingerprint() {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => `${name}:${createHash("sha256").update(readFileSync(join(MIGRATIONS_DIR, name))).digest("hex").slice(0, 16)}`);
}

/** True when the stamp lists exactly these migrations and the database file it was written for still exists. */
function upToDate(fingerprint, paths) {
  try {
    const stamp = JSON.parse(readFileSync(paths.stamp, "utf8"));
    const dbDir = join(paths.d1, "miniflare-D1DatabaseObject");
    const hasDatabase = readdirSync(dbDir).some((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
    return hasDatabase && JSON.stringify(stamp.migrations) === JSON.stringify(fingerprint);
  } catch {
    return false;
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A lock file, so `npm start` and `next dev` starting together (as in the e2e run) do not migrate twice at once. */
function withLock({ d1, lock }, fn) {
  mkdirSync(d1, { recursive: true });
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx"));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A lock older than a minute belongs to a process that died mid-way.
      let stale = false;
      try {
        stale = Date.now() - statSync(lock).mtimeMs > 60_000;
      } catch {
        continue; // released meanwhile
      }
      if (stale) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`edge-chat: timed out waiting for ${lock}`);
      else sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Applies lib/db/migrations to the local D1 (binding DB of `configPath`, in the state folder `persistTo`) with
 * wrangler, the same command as for the deployed database but `--local`. Synchronous (next.config.mjs cannot await
 * before Next starts). Throws when wrangler fails.
 */
export function applyLocalMigrations({ configPath, persistTo = DEFAULT_STATE, quiet = false } = {}) {
  const fingerprint = migrationsFingerprint();
  const paths = d1Paths(persistTo);
  if (upToDate(fingerprint, paths)) return { applied: false };
  return withLock(paths, () => {
    if (upToDate(fingerprint, paths)) return { applied: false }; // another process did it while we waited
    if (!quiet) console.log(`edge-chat: applying D1 migrations to the local database (${persistTo})…`);
    const started = performance.now();
    const args = ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, ...(configPath ? ["-c", configPath] : [])];
    const result = spawnSync(join(bin, "wrangler"), args, {
      cwd: root,
      encoding: "utf8",
      // node_modules/.bin first: its Node 24 runs wrangler whatever Node started us.
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
    });
    if (result.status !== 0) {
      throw new Error(
        `edge-chat: \`wrangler ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}):\n${result.stdout ?? ""}${result.stderr ?? result.error ?? ""}`,
      );
    }
    writeFileSync(paths.stamp, JSON.stringify({ migrations: fingerprint, appliedAt: new Date().toISOString() }, null, 2) + "\n");
    if (!quiet) console.log(`edge-chat: local D1 is up to date (${Math.round(performance.now() - started)} ms).`);
    return { applied: true };
  });
}

// `npm run db:migrate:local` (node scripts/local-dev.mjs migrate): apply now, whatever the stamp says.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === "migrate") {
  const { writeLocalWranglerConfig } = await import("./local-wrangler-config.mjs");
  rmSync(d1Paths(DEFAULT_STATE).stamp, { force: true });
  applyLocalMigrations({ configPath: writeLocalWranglerConfig() });
}
