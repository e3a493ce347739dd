/**
 * A second production worker in local workerd, started by a spec for settings the suite's worker does not have (no
 * SESSION_SECRET, tiny budgets). Same build; its own port and its own local state; stopped by the spec.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { delimiter, join } from "node:path";
import { E2E_HOST, STRICT_INSPECTOR_PORT, STRICT_WORKER_PORT } from "./e2e-env";

const root = join(import.meta.dirname, "..", "..");

export type TestWorker = { url: string; log: () => string; stop: () => Promise<void> };

export type WorkerPorts = { port: number; inspectorPort: number };

export async function startTestWorker(
  vars: Record<string, string>,
  { port, inspectorPort }: WorkerPorts = { port: STRICT_WORKER_PORT, inspectorPort: STRICT_INSPECTOR_PORT },
): Promise<TestWorker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    // No provider but the demo model, whatever the developer's shell says.
    OPENAI_API_KEY: "",
    ANTHROPIC_API_KEY: "",
    GOOGLE_GENERATIVE_AI_API_KEY: "",
    CLOUDFLARE_ACCOUNT_ID: "",
    CLOUDFLARE_API_TOKEN: "",
    CHAT_TITLES: "prompt",
    SKIP_BUILD: "1",
    PORT: String(port),
    HOST: E2E_HOST,
    INSPECTOR_PORT: String(inspectorPort),
    // Its own local state: two workerd processes writing one SQLite file get "database is locked".
    PERSIST_TO: join(root, ".wrangler", `state-${port}`),
    WRANGLER_SEND_METRICS: "false",
    ...vars,
  };
  if (vars.OPENAI_BASE_URL === undefined) delete env.OPENAI_BASE_URL;
  if (vars.SESSION_SECRET === undefined) delete env.SESSION_SECRET;
  const url = `http://${E2E_HOST}:${port}`;
  let output = "";
  const child: ChildProcess = spawn("node", [join(root, "scripts", "start.mjs")], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/models`)).ok) return { url, log: () => output, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the test worker did not start on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
