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
/** Where wrangler dev, wrangler d1 … --local and initOpenNextCloudflareForDev keep local D1 databases. */
const D1_STATE = join(root, ".wrangler", "state", "v3", "d1");
const STAMP = join(D1_STATE, "edge-chat-migrations.json");
const LOCK = join(D1_STATE, "edge-chat-migrations.lock");

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
function upToDate(fingerprint) {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, "utf8"));
    const dbDir = join(D1_STATE, "miniflare-D1DatabaseObject");
    const hasDatabase = readdirSync(dbDir).some((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
    return hasDatabase && JSON.stringify(stamp.migrations) === JSON.stringify(fingerprint);
  } catch {
    return false;
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A lock file, so `npm start` and `next dev` starting together (as in the e2e run) do not migrate twice at once. */
function withLock(fn) {
  mkdirSync(D1_STATE, { recursive: true });
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      closeSync(openSync(LOCK, "wx"));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A lock older than a minute belongs to a process that died mid-way.
      let stale = false;
      try {
        stale = Date.now() - statSync(LOCK).mtimeMs > 60_000;
      } catch {
        continue; // released meanwhile
      }
      if (stale) rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error(`edge-chat: timed out waiting for ${LOCK}`);
      else sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/**
 * Applies lib/db/migrations to the local D1 (binding DB of `configPath`) with wrangler, the same command as for the
 * deployed database but `--local`. Synchronous (next.config.mjs cannot await before Next starts). Throws when
 * wrangler fails.
 */
export function applyLocalMigrations({ configPath, quiet = false } = {}) {
  const fingerprint = migrationsFingerprint();
  if (upToDate(fingerprint)) return { applied: false };
  return withLock(() => {
    if (upToDate(fingerprint)) return { applied: false }; // another process did it while we waited
    if (!quiet) console.log("edge-chat: applying D1 migrations to the local database (.wrangler/state)…");
    const started = performance.now();
    const args = ["d1", "migrations", "apply", "DB", "--local", ...(configPath ? ["-c", configPath] : [])];
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
    writeFileSync(STAMP, JSON.stringify({ migrations: fingerprint, appliedAt: new Date().toISOString() }, null, 2) + "\n");
    if (!quiet) console.log(`edge-chat: local D1 is up to date (${Math.round(performance.now() - started)} ms).`);
    return { applied: true };
  });
}

// `npm run db:migrate:local` (node scripts/local-dev.mjs migrate): apply now, whatever the stamp says.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === "migrate") {
  const { writeLocalWranglerConfig } = await import("./local-wrangler-config.mjs");
  rmSync(STAMP, { force: true });
  applyLocalMigrations({ configPath: writeLocalWranglerConfig() });
}
