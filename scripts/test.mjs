// `npm test`: every check CI runs, in order, failing fast: type check, lint, unit and integration tests (vitest),
// the worker build, the client bundle's secrets check (scripts/check-client-bundle.mjs), then the end-to-end tests (Playwright, against the worker in local workerd and against next dev).
// Extra arguments go to `playwright test`, e.g. `npm test -- --grep stop` or `npm test -- --project=workerd`.
// The worker is always built in CI; locally the build is skipped while .open-next/worker.js is newer than its sources.
import { spawn } from "node:child_process";
import { delimiter } from "node:path";
import { bin, buildWorker, root, workerBuildState } from "./worker-build.mjs";

const CI = !!process.env.CI && process.env.CI !== "false";
const env = {
  ...process.env,
  // node_modules/.bin first: its Node 24 runs everything (the stack needs Node >= 22).
  PATH: `${bin("")}${delimiter}${process.env.PATH ?? ""}`,
  NEXT_TELEMETRY_DISABLED: "1",
  WRANGLER_SEND_METRICS: "false",
};

let current;
let interrupted = false;
// Pass Ctrl+C / SIGTERM on to the running stage and let it clean up (Playwright stops its servers), then stop.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = true;
    if (current && current.exitCode === null) current.kill(signal);
    else process.exit(130);
  });
}

function run(command, args) {
  return new Promise((resolve) => {
    current = spawn(bin(command), args, { cwd: root, env, stdio: "inherit" });
    current.on("error", (error) => {
      console.error(`could not start ${command}: ${error.message}`);
      resolve(1);
    });
    current.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const stages = [
  { name: "typecheck", label: "tsc --noEmit", run: () => run("tsc", ["--noEmit"]) },
  { name: "lint", label: "eslint .", run: () => run("eslint", ["."]) },
  { name: "unit", label: "vitest run", run: () => run("vitest", ["run"]) },
  {
    name: "build",
    label: "opennextjs-cloudflare build",
    skip: () => {
      if (CI) return undefined;
      return workerBuildState().stale ? undefined : "the worker is newer than its sources";
    },
    run: async () => buildWorker(env),
  },
  // No secret in what the browser downloads (.open-next/assets), checked on every run, built now or before.
  { name: "secrets", label: "check-client-bundle .open-next/assets", run: () => run("node", ["scripts/check-client-bundle.mjs"]) },
  { name: "e2e", label: ["playwright test", ...process.argv.slice(2)].join(" "), run: () => run("playwright", ["test", ...process.argv.slice(2)]) },
];

console.log(`edge-chat tests: node ${process.version}${CI ? ", CI" : ""}, PATH starts with ${env.PATH.split(delimiter)[0]}`);

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const results = [];
const started = performance.now();

function summary() {
  console.log("\n──── npm test summary ────");
  for (const { name, outcome, ms } of results) console.log(`  ${outcome.padEnd(8)} ${name.padEnd(10)} ${ms === undefined ? "" : seconds(ms)}`);
  console.log(`  total wall time: ${seconds(performance.now() - started)}${CI ? " (CI)" : ""}`);
}

for (const [index, stage] of stages.entries()) {
  const banner = `[${index + 1}/${stages.length}] ${stage.name}: ${stage.label}`;
  const skipReason = stage.skip?.();
  if (skipReason) {
    console.log(`\n━━━ ${banner} — skipped (${skipReason})`);
    results.push({ name: stage.name, outcome: "skipped" });
    continue;
  }
  console.log(`\n━━━ ${banner}`);
  const stageStart = performance.now();
  const status = await stage.run();
  const ms = performance.now() - stageStart;
  if (interrupted) {
    console.error(`\n✗ interrupted during ${stage.name}`);
    process.exit(130);
  }
  if (status !== 0) {
    results.push({ name: stage.name, outcome: "FAILED", ms });
    console.error(`\n✗ ${stage.name} failed (exit ${status}) after ${seconds(ms)}: ${stage.label}`);
    summary();
    process.exit(status);
  }
  results.push({ name: stage.name, outcome: "passed", ms });
  console.log(`✓ ${stage.name} passed in ${seconds(ms)}`);
}
summary();
