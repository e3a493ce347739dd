// The worker build (`opennextjs-cloudflare build` → .open-next/worker.js) and whether it is stale.
// Shared by scripts/start.mjs (`npm start`), scripts/test.mjs (`npm test`) and the scripts that drive a served worker.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const bin = (name) => join(root, "node_modules", ".bin", name);
export const WORKER = join(root, ".open-next", "worker.js");
/** What the build reads: a change to any of these makes the built worker stale. */
export const SOURCES = ["app", "components", "lib", "public", "next.config.mjs", "open-next.config.ts", "package.json", "tsconfig.json"];
/** Under SOURCES but not the worker's: the README's screenshots (`npm run screenshots` writes them; public/.assetsignore
 * keeps them out of the deployed assets), so refreshing them does not make the build stale. */
const NOT_SOURCES = new Set([join(root, "public", "readme")]);

function newestMtime(path) {
  if (!existsSync(path) || NOT_SOURCES.has(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** `{ built, stale }`: built is false when there is no worker yet; stale when a source is newer than the worker. */
export function workerBuildState() {
  const built = existsSync(WORKER) ? statSync(WORKER).mtimeMs : 0;
  const changed = Math.max(...SOURCES.map((source) => newestMtime(join(root, source))));
  return { built: built > 0, stale: built <= changed };
}

/** Runs `opennextjs-cloudflare build`, output inherited; returns its exit status. */
export function buildWorker(env = process.env) {
  const result = spawnSync(bin("opennextjs-cloudflare"), ["build"], { cwd: root, stdio: "inherit", env });
  return result.status ?? 1;
}

/** Builds the worker when it is missing or stale; exits the process when the build fails. */
export function buildIfStale() {
  const { built, stale } = workerBuildState();
  if (!stale) return console.log("edge-chat: the worker build is up to date.");
  console.log(built ? "edge-chat: sources changed, rebuilding the worker…" : "edge-chat: building the worker (first run)…");
  const status = buildWorker();
  if (status !== 0) process.exit(status);
}

/**
 * Serves the built worker in local workerd (scripts/start.mjs, no build) on `port` for a script that drives it
 * (npm run size, npm run screenshots): `env` on top of the shell's; its inspector on port + 1. Resolves once
 * /api/models answers; `stop()` ends it (also when the script exits).
 */
export async function serveWorker({ port, host = "127.0.0.1", env = {}, stdio = "ignore" }) {
  const worker = spawn(process.execPath, [join(root, "scripts", "start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      SKIP_BUILD: "1",
      PORT: String(port),
      HOST: host,
      INSPECTOR_PORT: String(port + 1),
      PATH: `${bin("")}${delimiter}${process.env.PATH ?? ""}`,
      ...env,
    },
    stdio,
  });
  const stop = () => worker.kill("SIGTERM");
  process.on("exit", stop);
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode}) before it answered`);
    try {
      if ((await fetch(`${url}/api/models`)).ok) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  stop();
  throw new Error(`the worker did not start on ${url}`);
}
