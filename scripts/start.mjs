// `npm start`: builds the worker when its sources changed, then serves it in local workerd (wrangler dev --local),
// offline, exactly as Cloudflare runs it. PORT (default 3000) picks the port; the app's variables in the
// environment are forwarded into the worker, so `OPENAI_API_KEY=… npm start` works like a deployed secret.
// Before the worker starts, pending D1 migrations are applied to the local database (.wrangler/state), and the worker
// gets a local SESSION_SECRET (generated once into .wrangler/session-secret) unless .dev.vars or the shell sets one.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyLocalMigrations, DEFAULT_STATE, localSessionSecret } from "./local-dev.mjs";
import { writeLocalWranglerConfig } from "./local-wrangler-config.mjs";
import { bin, buildIfStale, root } from "./worker-build.mjs";

/**
 * The variables lib/env.ts reads, forwarded into the worker: the names .dev.vars.example lists, which
 * tests/unit/dev-vars-example.test.ts keeps equal to lib/env.ts's (a hand-kept list here had missed MODEL_FALLBACKS).
 */
const FORWARDED = new Set(
  [...readFileSync(join(root, ".dev.vars.example"), "utf8").matchAll(/^#\s?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]),
);

/** dotenv syntax: double-quoted, with backslashes, quotes and newlines escaped. */
function envFileLine(key, value) {
  const escaped = value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return `${key}="${escaped}"`;
}

/** The generated local SESSION_SECRET as an env file, passed first so .dev.vars and the shell override it. */
function writeLocalSecretEnv(port) {
  const path = join(root, ".wrangler", `session-secret-${port}.env`);
  writeFileSync(path, envFileLine("SESSION_SECRET", localSessionSecret()) + "\n", { mode: 0o600 });
  return path;
}

/** Env files are one per port: a running `wrangler dev` reloads when one is written, so workers must not share them. */
function writeForwardedEnv(port) {
  const lines = Object.entries(process.env)
    // An empty SESSION_SECRET would override the generated one (below) with nothing.
    .filter(([key, value]) => FORWARDED.has(key) && value !== undefined && !(key === "SESSION_SECRET" && !value.trim()))
    .map(([key, value]) => envFileLine(key, value));
  mkdirSync(join(root, ".wrangler"), { recursive: true });
  const path = join(root, ".wrangler", `start-${port}.env`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

if (process.env.SKIP_BUILD !== "1") buildIfStale();

const port = process.env.PORT || "3000";

const config = writeLocalWranglerConfig();
// PERSIST_TO: a state folder of its own (D1, rate limits, Durable Objects), for a second worker beside the first.
const persistTo = process.env.PERSIST_TO || DEFAULT_STATE;
try {
  applyLocalMigrations({ configPath: config, persistTo });
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

// Later files win: the generated secret, then a developer's own .dev.vars (local secrets), then the shell's variables.
// AS_DEPLOYED_WITHOUT_SECRET=1 leaves the generated secret out: the worker then runs as one deployed without
// SESSION_SECRET would (the security tests check that it refuses).
const localSecret = process.env.AS_DEPLOYED_WITHOUT_SECRET === "1" ? [] : [writeLocalSecretEnv(port)];
const envFiles = [...localSecret, join(root, ".dev.vars"), writeForwardedEnv(port)]
  .filter(existsSync)
  .flatMap((file) => ["--env-file", file]);
const host = process.env.HOST || "127.0.0.1";
// Locally a client can claim any cf-connecting-ip (Cloudflare's edge sets it deployed): the bench's raw pipe, which
// trusts a loopback one, must not be reachable from another machine.
if ((process.env.BENCH_RAW_PIPE || process.env.BENCH_REMOTE_MS) && !["127.0.0.1", "::1", "localhost"].includes(host)) {
  console.error(`edge-chat: BENCH_RAW_PIPE and BENCH_REMOTE_MS are only for a worker on this machine's loopback, not HOST=${host}.`);
  process.exit(1);
}
const args = ["dev", "--local", "-c", config, "--port", port, "--ip", host, "--persist-to", persistTo, ...envFiles];
if (process.env.INSPECTOR_PORT) args.push("--inspector-port", process.env.INSPECTOR_PORT);
if (!process.stdout.isTTY) args.push("--show-interactive-dev-session=false");

const server = spawn(bin("wrangler"), args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
