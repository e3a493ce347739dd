// `npm run bench`: what our streaming path costs, measured against the production worker in local workerd.
// Starts a fake upstream that streams N tokens at a set pace in each provider's wire format (OpenAI Chat Completions,
// OpenAI Responses, Workers AI REST), boots the worker (scripts/start.mjs; rebuilt only when stale) on its own ports
// pointed at the fake, and prints a table:
// - TTFT added by our route over the upstream's own (p50/p95 over paired requests);
// - relay throughput with an unthrottled upstream (tokens/s, ratio to reading the upstream directly);
// - workerd CPU time per streamed token (utime+stime of the worker's workerd processes from /proc), for our chat route
//   and for a raw pipe of the same upstream stream through the same worker (GET /api/bench/raw, on with BENCH_RAW_PIPE);
// - 10, 100 and 500 concurrent streams (500: full run only): added latency p50/p99, errors, workerd RSS per open stream;
// - abort cost per provider: Stop (POST /api/chat/<id>/stop) → the upstream request closed, and what a closed tab
//   (the client aborts its fetch) does: the answer belongs to its conversation object, so it is expected to run on.
// - conversation objects: TTFT added with 40 ms added to every D1 and Durable Object call (BENCH_REMOTE_MS, as the
//   network adds on Cloudflare; local workerd answers in microseconds), for a new chat and for a follow-up turn,
//   against the same without it: (difference / 40 ms) is the number of sequential remote calls before the first
//   token; and the Durable Object SQLite rows one 1,000-token answer writes (from the object's per-turn log line).
// Writes the numbers to bench-results/bench-results.json (gitignored). A tool, not a test: nothing here asserts.
// - with --render: client rendering in Chromium, one word per token at 100 tokens/s, of a 20,000-token markdown answer
//   (headings, paragraphs, lists, tables, code blocks in ts/py/bash; 200 s) and of one 4,000-token code block (40 s;
//   2,000 and 1,000 tokens with --quick): main-thread long tasks (total, longest, count), the time from the upstream's
//   last token to the finished message, and the renderer's main-thread time against workerd's CPU.
// Flags: --quick (fewer requests and tokens), --render, --render-only (the render cases alone), --soak, --soak-only, --serve (start the
// fake upstream and the worker and wait: for profiling through the worker's inspector); SKIP_BUILD=1 never rebuilds. Ports: BENCH_PORT (3711), +1 upstream, +3 inspector.
// The worker runs with OPENAI_API=chat, then is restarted with OPENAI_API=responses for the Responses abort row (and
// after a concurrency level cut off at its time budget: its answers would run on in the worker).
// Every process it starts is stopped on exit, Ctrl-C or SIGTERM.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { bin, root, workerBuildState } from "./worker-build.mjs";

const QUICK = process.argv.includes("--quick");
const RENDER_ONLY = process.argv.includes("--render-only");
const RENDER = RENDER_ONLY || process.argv.includes("--render");
const SOAK_ONLY = process.argv.includes("--soak-only");
const SOAK = SOAK_ONLY || process.argv.includes("--soak");
const SERVE = process.argv.includes("--serve");
const BASE_PORT = Number(process.env.BENCH_PORT || 3711);
const APP_PORT = BASE_PORT;
const UPSTREAM_PORT = BASE_PORT + 1;
const INSPECTOR_PORT = BASE_PORT + 3;
const APP = `http://127.0.0.1:${APP_PORT}`;
const UPSTREAM = `http://127.0.0.1:${UPSTREAM_PORT}`;
const MODEL = "gpt-bench";
const WORKERS_AI_MODEL = "@cf/bench/model";
const CLK_TCK = 100; // Linux USER_HZ
const RESULTS = join(root, "bench-results");

const config = {
  ttftRequests: QUICK ? 10 : 30,
  ttftTokens: 20,
  throughputTokens: QUICK ? 1000 : 4000,
  throughputRuns: QUICK ? 1 : 3,
  // CPU per token with the upstream paced as a real model streams: one token per event, 100 tokens/s.
  pacedTokens: QUICK ? 300 : 1_000,
  pacedDelayMs: 10,
  concurrency: QUICK ? [10, 100] : [10, 100, 500],
  concurrentTokens: 50,
  concurrentDelayMs: 20,
  // A level's streams still running after this are cut off (and the worker restarted, as they would run on in it).
  concurrentBudgetMs: QUICK ? 45_000 : 180_000,
  // Abort runs: a slow answer, stopped (or its fetch aborted) once its first tokens arrived.
  abortStopRuns: QUICK ? 1 : 3,
  abortTokens: 500, // 10 s at 20 ms: Stop must close the upstream long before its end
  abortDelayMs: 20,
  abortTimeoutMs: 5_000, // how long to wait for the upstream to close after Stop
  tabCloseTokens: QUICK ? 100 : 150, // 2–3 s: a closed tab is expected to let the answer run to its end
  // Client rendering (--render), each case in a fresh page: a long markdown answer, and one long code block.
  renderCases: [
    { name: "markdown answer", doc: "md", tokens: QUICK ? 2_000 : 20_000, delayMs: 10 },
    { name: "one code block", doc: "code", tokens: QUICK ? 1_000 : 4_000, delayMs: 10 },
  ],
  remoteMs: 40,
  // A model's own time to its first token, for the TTFT row where the D1 checks overlap it.
  modelFirstMs: 150,
  remoteRequests: QUICK ? 10 : 20,
  rowsTokens: 1_000,
  // --soak: visitors chatting without pause (each turn a follow-up, a new chat and visitor every `soakTurnsPerChat`
  // turns, as the app's per-visitor limit allows 20 turns a minute), then an idle minute for the memory to settle.
  soakVisitors: 20,
  soakMs: QUICK ? 120_000 : 600_000,
  soakTokens: 60,
  soakDelayMs: 20, // a 1.2 s answer
  soakTurnsPerChat: 10,
  soakIdleMs: 60_000,
  soakWarmMs: 120_000, // memory growth counts from here (the isolate's caches fill in the first minutes)
};

// ─── the fake upstream ────────────────────────────────────────────────────────────────────────────────────────
// The last user message carries the script: "[bench n=<tokens> delay=<ms>( first=<ms>)?( doc=md|code)?]"; `first`: the
// model's own time to its first token (the headers go out at once, as a real provider's do); `doc`: what the tokens
// spell (ANSWERS), `tok<i> ` without it.
function scriptOf(text) {
  const match = /\[bench n=(\d+) delay=(\d+)(?: first=(\d+))?(?: doc=(md|code))?\]/.exec(text ?? "");
  return match
    ? { n: Number(match[1]), delay: Number(match[2]), first: Number(match[3] ?? 0), doc: match[4] }
    : { n: 20, delay: 0, first: 0, doc: undefined };
}

// The render cases' answers, one word (with the whitespace before it) per token, as a model's tokens come.
const WORDS = "the worker streams each token to the page which renders it as markdown while the answer is still being written".split(" ");
/** `count` words of prose, some bold, some inline code, starting at word k. */
const prose = (k, count) =>
  Array.from({ length: count }, (_, j) => {
    const word = WORDS[(k + j) % WORDS.length];
    return j % 11 === 5 ? `**${word}**` : j % 13 === 9 ? `\`${word}()\`` : word;
  }).join(" ") + ".";
const CODE = {
  ts: (k) =>
    `export async function fetchPart${k}(url: string, retries = 3): Promise<Response> {\n  for (let attempt = 0; attempt < retries; attempt++) {\n    const response = await fetch(url, { headers: { accept: "application/json" } });\n    if (response.ok) return response;\n    await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 100));\n  }\n  throw new Error(\`part ${k}: \${url} failed after \${retries} attempts\`);\n}`,
  py: (k) =>
    `def summarize_${k}(rows: list[dict]) -> dict:\n    totals = {}\n    for row in rows:\n        key = row.get("region", "unknown")\n        totals[key] = totals.get(key, 0) + row["tokens"]\n    return {"part": ${k}, "totals": totals, "count": len(rows)}`,
  bash: (k) => `set -euo pipefail\nfor file in logs/part-${k}/*.log; do\n  grep -c "error" "$file" || true\ndone | sort -n | tail -n 5`,
};
/** Part k of a long answer (~340 words): a heading, paragraphs, a list, a table, a code block, a numbered list. */
function answerPart(k) {
  const lang = Object.keys(CODE)[k % 3];
  const table = [1, 2, 3, 4].map((r) => `| \`option${r}\` | ${r * k} ms | ${prose(k + r, 8)} |`);
  return [
    `## ${k}. Part ${k} of the answer`,
    prose(k, 60),
    `${prose(k + 1, 45)} See [the docs](https://example.com/docs/${k}).`,
    [14, 10, 12].map((count, i) => `- ${prose(k + i, count)}`).join("\n"),
    `| Option | Default | What it does |\n| --- | --- | --- |\n${table.join("\n")}`,
    `\`\`\`${lang}\n${CODE[lang](k)}\n\`\`\``,
    [12, 9, 11].map((count, i) => `${i + 1}. ${prose(k + 4 + i, count)}`).join("\n"),
    prose(k + 7, 40),
  ].join("\n\n");
}
/** The first n tokens of text made of parts 1, 2, 3… */
function tokensOf(part, n) {
  const tokens = [];
  for (let k = 1; tokens.length < n; k++) tokens.push(...`${k > 1 ? "\n\n" : ""}${part(k)}`.match(/\s*\S+/g));
  return tokens.slice(0, n);
}
const ANSWERS = {
  // A long markdown answer (cut at n tokens, maybe inside a block, as an answer cut at its token limit is).
  md: (n) => tokensOf(answerPart, n),
  // One TypeScript code block of n tokens, its fences included.
  code: (n) => ["```ts\n", ...tokensOf(CODE.ts, n - 2), "\n```"],
};

/** The last user message of a Chat Completions or Workers AI (`messages`) or Responses (`input`) request body. */
function lastUserText(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : Array.isArray(body?.input) ? body.input : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => p?.text ?? "").join(" ");
  }
  return "";
}

// Each provider's streaming wire format, cut to the fields its AI SDK provider parses. The full shapes are in
// tests/support/fake-openai.ts and fake-workers-ai.ts (TypeScript with extensionless imports: plain Node cannot load them).
const sse = (data, event) => `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
const DONE = sse("[DONE]");
const usageOf = (n) => ({ prompt_tokens: 10, completion_tokens: n, total_tokens: n + 10 });

const chatChunk = (delta, finish = null, usage) =>
  sse({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  });

const responsesEvent = (type, fields) => sse({ type, ...fields }, type);
const responseObject = (status, usage) => ({ id: "resp_bench", object: "response", created_at: 1_700_000_000, model: MODEL, status, usage });
const responsesMessage = (status) => ({ id: "msg_bench", type: "message", status, role: "assistant", content: [] });

/** Wire formats by upstream path: `open` before the first token, `token(text)`, `close(n)` after the last. */
const WIRES = [
  {
    path: /^\/v1\/chat\/completions$/,
    open: () => chatChunk({ role: "assistant", content: "" }),
    token: (text) => chatChunk({ content: text }),
    close: (n) => chatChunk({}, "stop", usageOf(n)) + DONE,
  },
  {
    path: /^\/v1\/responses$/,
    open: () =>
      responsesEvent("response.created", { response: responseObject("in_progress", null) }) +
      responsesEvent("response.output_item.added", { output_index: 0, item: responsesMessage("in_progress") }),
    token: (text) => responsesEvent("response.output_text.delta", { item_id: "msg_bench", output_index: 0, content_index: 0, delta: text }),
    close: (n) =>
      responsesEvent("response.output_item.done", { output_index: 0, item: responsesMessage("completed") }) +
      responsesEvent("response.completed", {
        response: responseObject("completed", { input_tokens: 10, output_tokens: n, total_tokens: n + 10 }),
      }),
  },
  {
    path: /^\/client\/v4\/accounts\/[^/]+\/ai\/run\//,
    open: () => "",
    token: (text) => sse({ response: text }),
    close: (n) => sse({ response: "", usage: usageOf(n) }) + DONE,
  },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The upstream's streams: how many are open now, the most open at once since `peak` was last reset, and when each
 * closed ({ at: performance.now(), beforeEnd }) by its prompt (prompts of the abort runs and render cases are unique).
 */
const upstreamStreams = { open: 0, peak: 0, ends: new Map() };

async function streamTokens(res, wire, { n, delay, first, doc }) {
  const tokens = doc && ANSWERS[doc](n);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(wire.open());
  let closed = false;
  res.on("close", () => (closed = true));
  if (first > 0) await sleep(first);
  for (let i = 0; i < n && !closed; i++) {
    if (delay > 0 && i > 0) await sleep(delay);
    const ok = res.write(wire.token(tokens ? tokens[i] : `tok${i} `));
    if (!ok && !closed) await new Promise((resolve) => res.once("drain", resolve));
  }
  if (!closed) res.end(wire.close(n));
}

function startUpstream() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const part of req) chunks.push(part);
    const url = new URL(req.url ?? "/", UPSTREAM);
    const wire = req.method === "POST" ? WIRES.find((w) => w.path.test(url.pathname)) : undefined;
    if (!wire) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "not found" } }));
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      body = undefined;
    }
    const prompt = lastUserText(body);
    upstreamStreams.peak = Math.max(upstreamStreams.peak, ++upstreamStreams.open);
    const end = new Promise((resolve) =>
      res.once("close", () => {
        upstreamStreams.open--;
        resolve({ at: performance.now(), beforeEnd: !res.writableFinished });
      }),
    );
    if (/\[abort|doc=/.test(prompt)) upstreamStreams.ends.set(prompt, end);
    return streamTokens(res, wire, scriptOf(prompt));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(UPSTREAM_PORT, "127.0.0.1", () => resolve(server));
  });
}

// ─── the worker ───────────────────────────────────────────────────────────────────────────────────────────────
let app;
let upstream;
let browser;
let cleaning = false;

function stopApp() {
  if (!app || app.exitCode !== null || app.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-app.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      resolve();
    }, 5_000);
    app.once("exit", () => {
      clearTimeout(timer);
      // Anything left in its process group (workerd) goes too.
      try {
        process.kill(-app.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      resolve();
    });
    try {
      process.kill(-app.pid, "SIGTERM");
    } catch {
      resolve();
    }
  });
}

async function restartApp(api, extraEnv) {
  await stopApp();
  await startApp(api, extraEnv);
}

async function cleanup(code) {
  if (cleaning) return;
  cleaning = true;
  await browser?.close().catch(() => {});
  await stopApp();
  upstream?.closeAllConnections?.();
  upstream?.close();
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void cleanup(130));
process.on("uncaughtException", (error) => {
  console.error(error);
  void cleanup(1);
});
// Last resort when the process exits some other way: kill the group synchronously.
process.on("exit", () => {
  if (app && app.exitCode === null) {
    try {
      process.kill(-app.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

/** The worker's OPENAI_API now ("chat" or "responses"), and how many times it was started. */
let appApi;
let appStarts = 0;

/** Starts the worker speaking `api` to the OpenAI upstream (Workers AI REST is configured beside it), then warms it up. */
async function startApp(api, extraEnv = {}) {
  // SKIP_BUILD=1 uses the existing build as it is, like start.mjs.
  const stale = process.env.SKIP_BUILD === "1" ? false : workerBuildState().stale;
  if (stale) console.log("bench: the worker build is stale: start.mjs rebuilds it first…");
  const env = {
    ...process.env,
    SKIP_BUILD: stale ? "0" : "1",
    PORT: String(APP_PORT),
    HOST: "127.0.0.1",
    INSPECTOR_PORT: String(INSPECTOR_PORT),
    OPENAI_API_KEY: "sk-bench-not-a-real-key",
    OPENAI_BASE_URL: `${UPSTREAM}/v1`,
    OPENAI_API: api,
    OPENAI_MODELS: MODEL,
    DEFAULT_MODEL: `openai:${MODEL}`,
    ENABLE_DEMO_MODEL: "",
    CLOUDFLARE_ACCOUNT_ID: "bench-account",
    CLOUDFLARE_API_TOKEN: "bench-not-a-real-token",
    WORKERS_AI_BASE_URL: `${UPSTREAM}/client/v4`,
    WORKERS_AI_MODELS: WORKERS_AI_MODEL,
    CHAT_TITLES: "prompt",
    BENCH_RAW_PIPE: "1",
    DAILY_TOKEN_BUDGET: "0", // off: a full run streams ~80,000 tokens as one visitor
    SESSION_SECRET: "bench-session-secret-not-for-production",
    NEXT_TELEMETRY_DISABLED: "1",
    WRANGLER_SEND_METRICS: "false",
    // wrangler's local tracing (on by default) streams every invocation's spans to a collector in the same workerd,
    // which stores them in a local SQLite object that is never evicted: memory and CPU that are not the worker's.
    X_LOCAL_OBSERVABILITY: "false",
    // Its local explorer (on by default) wraps every Durable Object class for its resource browser: a layer around each
    // call into a conversation object that a deployment does not have.
    X_LOCAL_EXPLORER: "false",
    ...extraEnv,
  };
  // The worker's output (wrangler's, and the route's console.error) goes to bench-results/worker-<n>-<api>.log.
  const log = join(RESULTS, `worker-${++appStarts}-${api}.log`);
  const logFd = openSync(log, "w");
  // The project's own Node 24 (a dev dependency) when present, as npm test does.
  const node = existsSync(bin("node")) ? bin("node") : process.execPath;
  app = spawn(node, [join(root, "scripts", "start.mjs")], {
    cwd: root,
    env,
    detached: true, // its own process group, so cleanup reaches wrangler and workerd
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd); // the worker has its own copy
  const logTail = () => readFileSync(log, "utf8").slice(-4000);
  const deadline = Date.now() + (stale ? 300_000 : 60_000);
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`the worker exited early (${app.exitCode}):\n${logTail()}`);
    const up = await fetch(`${APP}/api/models`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (up) {
      appApi = api;
      // Warm up: compile the routes, create the visitor, open the database.
      for (let i = 0; i < 3; i++) await viaRoute(20, 0);
      await fetch(`${APP}/api/chat/warm-up/stop`, { method: "POST" });
      return;
    }
    await sleep(300);
  }
  throw new Error(`the worker did not answer on ${APP} in time:\n${logTail()}`);
}

// ─── /proc ────────────────────────────────────────────────────────────────────────────────────────────────────
function childrenOf() {
  const byParent = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      const ppid = Number(fields[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push({ pid: Number(entry), name, utime: Number(fields[11]), stime: Number(fields[12]) });
    } catch {
      /* exited */
    }
  }
  return byParent;
}

/** The workerd processes under our start.mjs. */
function workerdProcesses() {
  const byParent = childrenOf();
  const found = [];
  const walk = (pid) => {
    for (const child of byParent.get(pid) ?? []) {
      if (child.name === "workerd") found.push(child);
      walk(child.pid);
    }
  };
  walk(app.pid);
  return found;
}

/** CPU seconds (user+sys) of the worker's workerd processes. */
function workerdCpuSeconds() {
  return workerdProcesses().reduce((sum, p) => sum + (p.utime + p.stime) / CLK_TCK, 0);
}

/**
 * CPU seconds of wrangler's local proxy alone: the workerd that listens on APP_PORT and passes every request and
 * response on to the worker's own workerd. Deployed, nothing stands in for it; it is counted in the totals all the same.
 */
function proxyCpuSeconds() {
  return proxyProcesses().reduce((sum, p) => sum + (p.utime + p.stime) / CLK_TCK, 0);
}

/** wrangler's proxy: the workerd that listens on APP_PORT. */
function proxyProcesses() {
  return workerdProcesses().filter(({ pid }) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`entry=127.0.0.1:${APP_PORT}\0`);
    } catch {
      return false;
    }
  });
}

const proxyRss = () => workerdRss(proxyProcesses());

/** Resident memory of the worker's workerd processes (or of `processes`), in bytes. */
function workerdRss(processes = workerdProcesses()) {
  let total = 0;
  for (const { pid } of processes) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      /* exited */
    }
  }
  return total;
}

/** Open TCP connections from here to the worker (/proc/net/tcp, state 01 ESTABLISHED, remote port APP_PORT). */
function connectionsToApp() {
  const port = `:${APP_PORT.toString(16).toUpperCase().padStart(4, "0")}`;
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .filter((line) => {
      const [, , remote, state] = line.trim().split(/\s+/);
      return remote?.endsWith(port) && state === "01";
    }).length;
}

// ─── clients ──────────────────────────────────────────────────────────────────────────────────────────────────
let seq = 0;

/**
 * Each turn comes from a client of its own: a new visitor (no cookie) at its own address (`cf-connecting-ip`, which
 * local workerd keeps), so the app's rate limits (turns per minute per visitor and per IP) do not throttle the bench.
 * The limit checks themselves still run, as in production.
 */
function clientHeaders(n) {
  return { "cf-connecting-ip": `198.18.${(n >> 8) & 255}.${n & 255}` };
}

/** Reads an SSE body, calling onEvent(dataString) per `data:` line. */
async function readSse(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let index;
    while ((index = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (line.startsWith("data: ")) onEvent(line.slice(6));
    }
  }
}

/** Sends a chat turn with this prompt to the worker as a new chat; resolves with the chat's id and the response. */
async function postChat(prompt, { model = `openai:${MODEL}`, signal, chat } = {}) {
  const n = seq++;
  // `chat`: a follow-up turn in an existing chat ({ id, cookie }), else a new chat of a new visitor.
  const id = chat?.id ?? `bench-${Date.now().toString(36)}-${n}`;
  const response = await fetch(`${APP}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...clientHeaders(n), ...(chat ? { cookie: chat.cookie } : {}) },
    body: JSON.stringify({
      id,
      trigger: "submit-message",
      model,
      message: { id: `m-${id}-${n}`, role: "user", parts: [{ type: "text", text: prompt }] },
    }),
    signal,
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  // The turn's visitor: only it may stop the answer.
  const cookie = chat?.cookie ?? (response.headers.get("set-cookie") ?? "").split(";")[0];
  return { id, response, cookie };
}

/**
 * One chat turn through the worker, read to its end: { ttft, total, deltas, tokens } in ms from the request's start.
 * `progress.ttft` is set at the first token, so a turn cut off by `signal` still tells its time to first token.
 */
async function viaRoute(n, delay, { signal, progress = {}, chat, first = 0 } = {}) {
  const started = performance.now();
  const { response, id, cookie } = await postChat(`Go [bench n=${n} delay=${delay}${first ? ` first=${first}` : ""}]`, { signal, chat });
  let ttft;
  let deltas = 0;
  let text = "";
  let error;
  await readSse(response, (data) => {
    if (!data.startsWith("{")) return;
    const event = JSON.parse(data);
    if (event.type === "text-delta") {
      ttft ??= progress.ttft = performance.now() - started;
      deltas++;
      text += event.delta;
    } else if (event.type === "error") error = event.errorText;
  });
  if (error) throw new Error(`stream error: ${error}`);
  const tokens = text.split(" ").filter(Boolean).length;
  if (tokens !== n) throw new Error(`expected ${n} tokens, got ${tokens}`);
  return { ttft, total: performance.now() - started, deltas, tokens, chat: { id, cookie } };
}

/** Reads a Chat Completions stream that `request()` answers: { ttft, total, tokens } in ms from the call. */
async function readCompletions(request) {
  const started = performance.now();
  const response = await request();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  let ttft;
  let tokens = 0;
  await readSse(response, (data) => {
    if (!data.startsWith("{")) return;
    const content = JSON.parse(data).choices?.[0]?.delta?.content;
    if (content) {
      ttft ??= performance.now() - started;
      tokens++;
    }
  });
  return { ttft, total: performance.now() - started, tokens };
}

/** The stream read straight from the fake upstream. */
const direct = (n, delay, first = 0) =>
  readCompletions(() =>
    fetch(`${UPSTREAM}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        messages: [{ role: "user", content: `Go [bench n=${n} delay=${delay}${first ? ` first=${first}` : ""}]` }],
      }),
    }),
  );

/** The same stream piped through the worker unchanged (GET /api/bench/raw, lib/bench/raw-pipe.ts). */
const viaRawPipe = (n, delay) =>
  readCompletions(() => fetch(`${APP}/api/bench/raw?prompt=${encodeURIComponent(`Go [bench n=${n} delay=${delay}]`)}`));

/** The same stream only read to its end by the route (GET /api/bench/raw?read=1): the floor for a route that reads it. */
async function readInRoute(n, delay) {
  const response = await fetch(`${APP}/api/bench/raw?read=1&prompt=${encodeURIComponent(`Go [bench n=${n} delay=${delay}]`)}`);
  if (!response.ok) throw new Error(`read=1: HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return response.json();
}

// ─── statistics ───────────────────────────────────────────────────────────────────────────────────────────────
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const median = (values) => percentile(values, 50);
/** A duration for the table: "12.3 ms", "45.6 s" from 10 s on, "–" when there is none. */
const ms = (value) => (!Number.isFinite(value) ? "–" : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`);
const int = (value) => Math.round(value).toLocaleString("en-US");

// ─── the runs ─────────────────────────────────────────────────────────────────────────────────────────────────
async function benchTtft() {
  const added = [];
  const rawAdded = [];
  const routeTtft = [];
  const upstreamTtft = [];
  for (let i = 0; i < config.ttftRequests; i++) {
    const d = await direct(config.ttftTokens, 0);
    const r = await viaRoute(config.ttftTokens, 0);
    const raw = await viaRawPipe(config.ttftTokens, 0);
    upstreamTtft.push(d.ttft);
    routeTtft.push(r.ttft);
    added.push(r.ttft - d.ttft);
    rawAdded.push(raw.ttft - d.ttft);
  }
  return {
    requests: config.ttftRequests,
    upstreamP50: median(upstreamTtft),
    routeP50: median(routeTtft),
    routeP95: percentile(routeTtft, 95),
    addedP50: median(added),
    addedP95: percentile(added, 95),
    // The least any Next route adds here: the raw pipe's one request through wrangler's proxy, OpenNext and Next.
    rawAddedP50: median(rawAdded),
    rawAddedP95: percentile(rawAdded, 95),
  };
}

/**
 * TTFT added over the upstream's own, for new chats and for follow-up turns (the second turn of each chat), with the
 * worker as it runs now (with or without BENCH_REMOTE_MS).
 */
async function benchTurnTtft(modelFirstMs = 0) {
  const fresh = [];
  const followUp = [];
  for (let i = 0; i < config.remoteRequests; i++) {
    const d = await direct(config.ttftTokens, 0, modelFirstMs);
    const first = await viaRoute(config.ttftTokens, 0, { first: modelFirstMs });
    const next = await viaRoute(config.ttftTokens, 0, { chat: first.chat, first: modelFirstMs });
    fresh.push(first.ttft - d.ttft);
    followUp.push(next.ttft - d.ttft);
  }
  return { freshP50: median(fresh), freshP95: percentile(fresh, 95), followUpP50: median(followUp), followUpP95: percentile(followUp, 95) };
}

/** The object's own account of the turns of `chatId` (its `bench: conversation turn` log lines). */
function turnStats(chatId) {
  const lines = readFileSync(join(RESULTS, `worker-${appStarts}-${appApi}.log`), "utf8").split("\n");
  return lines
    .filter((line) => line.includes("bench: conversation turn "))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))))
    .filter((stats) => stats.chatId === chatId);
}

/** Durable Object rows written by one answer of `config.rowsTokens` tokens, streamed at 100 tokens/s and unthrottled. */
async function benchRows() {
  const rows = {};
  for (const [name, delay] of [["paced", 10], ["unthrottled", 0]]) {
    const turn = await viaRoute(config.rowsTokens, delay);
    await sleep(300); // the object logs the turn when its stream has ended
    rows[name] = turnStats(turn.chat.id).at(-1)?.rowsWritten;
  }
  return rows;
}

/** Runs a stream of n tokens and adds the workerd CPU time it cost, in µs per token (and wrangler's proxy's part). */
async function withCpuPerToken(n, run) {
  const before = workerdCpuSeconds();
  const proxyBefore = proxyCpuSeconds();
  const result = await run();
  await sleep(200); // let the answer's save and the stream room's bookkeeping finish
  return {
    ...result,
    cpuUsPerToken: ((workerdCpuSeconds() - before) * 1e6) / n,
    proxyCpuUsPerToken: ((proxyCpuSeconds() - proxyBefore) * 1e6) / n,
  };
}

async function benchThroughput() {
  const n = config.throughputTokens;
  const tokPerS = (run) => n / (run.total / 1000);
  const runs = [];
  for (let i = 0; i < config.throughputRuns; i++) {
    const d = await direct(n, 0);
    const r = await withCpuPerToken(n, () => viaRoute(n, 0));
    const raw = await withCpuPerToken(n, () => viaRawPipe(n, 0));
    if (raw.tokens !== n) throw new Error(`raw pipe: expected ${n} tokens, got ${raw.tokens}`);
    runs.push({
      directTokPerS: tokPerS(d),
      routeTokPerS: tokPerS(r),
      rawTokPerS: tokPerS(raw),
      cpuUsPerToken: r.cpuUsPerToken,
      rawCpuUsPerToken: raw.cpuUsPerToken,
      deltasOut: r.deltas,
    });
  }
  const medianOf = (key) => median(runs.map((run) => run[key]));
  return {
    tokens: n,
    runs: runs.length,
    routeTokPerS: medianOf("routeTokPerS"),
    directTokPerS: medianOf("directTokPerS"),
    rawTokPerS: medianOf("rawTokPerS"),
    ratio: medianOf("routeTokPerS") / medianOf("directTokPerS"),
    cpuUsPerToken: medianOf("cpuUsPerToken"),
    rawCpuUsPerToken: medianOf("rawCpuUsPerToken"),
    cpuRatio: medianOf("cpuUsPerToken") / medianOf("rawCpuUsPerToken"),
    uiDeltasPerRun: medianOf("deltasOut"),
  };
}

/** CPU per token with the upstream paced at 100 tokens/s, one token per event: what a real model's stream costs. */
async function benchPacedCpu() {
  const n = config.pacedTokens;
  // What workerd spends doing nothing (timers, the inspector), per second: a paced stream's CPU includes its share.
  const idleBefore = workerdCpuSeconds();
  await sleep(5_000);
  const idleMsPerS = ((workerdCpuSeconds() - idleBefore) * 1000) / 5;
  const route = await withCpuPerToken(n, () => viaRoute(n, config.pacedDelayMs));
  const raw = await withCpuPerToken(n, () => viaRawPipe(n, config.pacedDelayMs));
  const read = await withCpuPerToken(n, () => readInRoute(n, config.pacedDelayMs));
  return {
    tokens: n,
    delayMs: config.pacedDelayMs,
    cpuUsPerToken: route.cpuUsPerToken,
    proxyCpuUsPerToken: route.proxyCpuUsPerToken,
    rawCpuUsPerToken: raw.cpuUsPerToken,
    readCpuUsPerToken: read.cpuUsPerToken,
    readsPerToken: read.reads / n,
    deltasOut: route.deltas,
    idleMsPerS,
  };
}

/** The worker as `wrangler deploy` would upload it: its size and gzipped size in KiB, from a dry run. */
function workerBundle() {
  const outdir = join(RESULTS, "worker-bundle");
  const run = spawnSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", outdir], { cwd: root, encoding: "utf8" });
  const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(`${run.stdout}${run.stderr}`);
  rmSync(outdir, { recursive: true, force: true });
  return match ? { kib: Number(match[1]), gzipKib: Number(match[2]) } : undefined;
}

/** Failures by kind, most frequent first: { "fetch failed (ECONNRESET)": 12, … }. */
function errorKinds(reasons) {
  const counts = {};
  for (const reason of reasons) {
    const text = `${reason?.message ?? reason}${reason?.cause?.code ? ` (${reason.cause.code})` : ""}`.slice(0, 120);
    counts[text] = (counts[text] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

async function benchConcurrency(streams) {
  const n = config.concurrentTokens;
  const delay = config.concurrentDelayMs;
  const baseline = await direct(n, delay);
  // One answer alone through the worker, for the "vs one alone" ratio.
  const alone = median([await viaRoute(n, delay), await viaRoute(n, delay), await viaRoute(n, delay)].map((r) => r.total));
  await sleep(300);
  const rssBefore = workerdRss();
  let rssPeak = rssBefore;
  let connectionsPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, workerdRss());
    connectionsPeak = Math.max(connectionsPeak, connectionsToApp());
  }, 100);
  upstreamStreams.peak = upstreamStreams.open;
  // Node's fetch (undici's global Agent) opens as many connections per origin as there are requests (no client cap):
  // connectionsPeak shows it.
  const signal = AbortSignal.timeout(config.concurrentBudgetMs);
  const progress = Array.from({ length: streams }, () => ({}));
  const results = await Promise.allSettled(progress.map((p) => viaRoute(n, delay, { signal, progress: p })));
  clearInterval(sampler);
  const ok = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
  const failed = results.filter((r) => r.status === "rejected").map((r) => r.reason);
  const unfinished = failed.filter((reason) => reason?.name === "TimeoutError").length;
  const errors = failed.filter((reason) => reason?.name !== "TimeoutError");
  if (unfinished > 0) {
    // Resumable answers run on after their client is gone: a fresh worker, so they do not weigh on what follows.
    step(`${unfinished} streams unfinished after ${config.concurrentBudgetMs / 1000} s: restarting the worker…`);
    await restartApp(appApi);
  }
  const addedTtft = progress.filter((p) => p.ttft !== undefined).map((p) => p.ttft - baseline.ttft);
  const addedTotal = ok.map((r) => r.total - baseline.total);
  // The floor: as many raw pipes at once (one Next request each, nothing else), against one raw pipe alone.
  const rawAlone = median([await viaRawPipe(n, delay), await viaRawPipe(n, delay), await viaRawPipe(n, delay)].map((r) => r.total));
  const raws = (await Promise.allSettled(Array.from({ length: streams }, () => viaRawPipe(n, delay)))).filter((r) => r.status === "fulfilled");
  return {
    rawTotalP50VsAlone: raws.length ? median(raws.map((r) => r.value.total)) / rawAlone : NaN,
    rawFinished: raws.length,
    streams,
    tokensPerStream: n,
    upstreamMs: baseline.total,
    aloneMs: alone,
    totalP50VsAlone: median(ok.map((r) => r.total)) / alone,
    withFirstToken: addedTtft.length,
    finished: ok.length,
    unfinished,
    addedTtftP50: median(addedTtft),
    addedTtftP99: percentile(addedTtft, 99),
    addedTotalP50: median(addedTotal),
    addedTotalP99: percentile(addedTotal, 99),
    errors: errors.length,
    errorKinds: errorKinds(errors),
    peakClientConnections: connectionsPeak,
    peakUpstreamStreams: upstreamStreams.peak,
    rssBeforeMiB: rssBefore / 2 ** 20,
    rssPeakMiB: rssPeak / 2 ** 20,
    rssPerStreamKiB: (rssPeak - rssBefore) / 1024 / streams,
  };
}

/**
 * --soak: `soakVisitors` visitors each send their next turn as soon as the last answer ended, for `soakMs`; then the
 * worker idles for `soakIdleMs`. Turn times against one visitor alone, errors, and workerd's memory over time.
 */
async function benchSoak() {
  const { soakVisitors, soakTokens: n, soakDelayMs: delay } = config;
  const aloneTurns = [];
  let chat;
  for (let i = 0; i < 5; i++) {
    const turn = await viaRoute(n, delay, { chat });
    chat = turn.chat;
    aloneTurns.push(turn.total);
  }
  const alone = median(aloneTurns);
  // Attached for the whole soak: wrangler's inspector proxy keeps every console message of the worker (a log line per
  // turn) until a DevTools client attaches, then sends them all at once; attached, it sends each as it comes.
  const inspector = await openInspector();
  const heapStartMiB = await collectedHeapMiB(inspector);
  const began = performance.now();
  const rss = []; // [seconds since the start, MiB, of which wrangler's proxy MiB]
  const sample = () => rss.push([(performance.now() - began) / 1000, workerdRss() / 2 ** 20, proxyRss() / 2 ** 20]);
  sample();
  const sampler = setInterval(sample, 5_000);
  const times = [];
  const failures = [];
  const visitor = async () => {
    let turns = 0;
    let chat;
    while (performance.now() - began < config.soakMs) {
      try {
        const turn = await viaRoute(n, delay, { chat, signal: AbortSignal.timeout(60_000) });
        times.push(turn.total);
        chat = ++turns % config.soakTurnsPerChat === 0 ? undefined : turn.chat;
      } catch (error) {
        failures.push(error);
        chat = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: soakVisitors }, visitor));
  const endMiB = workerdRss() / 2 ** 20;
  const proxyEndMiB = proxyRss() / 2 ** 20;
  await sleep(config.soakIdleMs);
  clearInterval(sampler);
  const idleMiB = workerdRss() / 2 ** 20;
  // V8 collects the worker's garbage lazily, and native memory (streams, stubs) waits for it. A full collection
  // through the inspector, then time for workerd to evict idle conversation objects (10 s): what is left is held.
  await collectGarbage(inspector);
  await sleep(15_000);
  const heapEndMiB = await collectedHeapMiB(inspector);
  inspector.close();
  const collectedMiB = workerdRss() / 2 ** 20;
  const warm = rss.find(([at]) => at >= config.soakWarmMs / 1000) ?? rss[0];
  const warmMiB = warm[1];
  return {
    visitors: soakVisitors,
    minutes: config.soakMs / 60_000,
    turns: times.length,
    errors: failures.length,
    errorKinds: errorKinds(failures),
    aloneMs: alone,
    turnP50Ms: median(times),
    turnP95Ms: percentile(times, 95),
    turnP50VsAlone: median(times) / alone,
    rssStartMiB: rss[0][1],
    rssWarmMiB: warmMiB,
    rssEndMiB: endMiB,
    rssPeakMiB: Math.max(...rss.map(([, mib]) => mib)),
    rssIdleMiB: idleMiB,
    rssCollectedMiB: collectedMiB,
    growthPercent: ((endMiB - warmMiB) / warmMiB) * 100,
    proxyWarmMiB: warm[2],
    proxyEndMiB,
    heapStartMiB,
    heapEndMiB,
    rssSamples: rss,
  };
}

/** A connection to the worker's inspector (Node's WebSocket; wrangler checks the Origin). */
async function openInspector() {
  const socket = new WebSocket(`ws://127.0.0.1:${INSPECTOR_PORT}/ws`, { headers: { origin: "https://devtools.devprod.cloudflare.dev" } });
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", reject);
  });
  return socket;
}

let inspectorCalls = 0;

/**
 * An inspector command to the worker's isolate, done when its own reply comes. workerd runs inspector commands only
 * when the isolate next runs, which an idle worker never does: requests wake it until the reply.
 */
async function inspectorCall(socket, method) {
  const id = ++inspectorCalls;
  let replied;
  const reply = new Promise((resolve) =>
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data));
      if (message.id === id) resolve(message);
    }),
  ).then((message) => (replied = message));
  socket.send(JSON.stringify({ id, method }));
  while (!replied) {
    await fetch(`${APP}/api/models`).then((response) => response.text(), () => {});
    await Promise.race([reply, sleep(500)]);
  }
  return replied.result;
}

/** A full garbage collection in the worker's isolate. */
const collectGarbage = (socket) => inspectorCall(socket, "HeapProfiler.collectGarbage");

/** The worker's JS heap in use, in MiB, after a full collection: what the app's own code holds. */
async function collectedHeapMiB(socket) {
  await collectGarbage(socket);
  return (await inspectorCall(socket, "Runtime.getHeapUsage")).usedSize / 2 ** 20;
}

/** The soak's rows: errors and turn time, then memory. */
function soakRows(s) {
  const pct = (value) => `${value >= 0 ? "+" : ""}${value.toFixed(0)} %`;
  return [
    [
      `Soak: ${s.visitors} visitors chatting without pause for ${s.minutes} min`,
      `${s.errors} errors; turn ${ms(s.turnP50Ms)} p50 (${s.turnP50VsAlone.toFixed(2)}× one alone), ${ms(s.turnP95Ms)} p95`,
      `${int(s.turns)} turns of ${config.soakTokens} tokens at ${config.soakDelayMs} ms, a new chat every ${config.soakTurnsPerChat} turns; one visitor alone: ${ms(s.aloneMs)} p50${s.errors ? `; ${Object.entries(s.errorKinds).slice(0, 2).map(([kind, count]) => `${count}× ${kind}`).join("; ")}` : ""}`,
    ],
    [
      "Soak: workerd memory",
      `${pct(s.growthPercent)} from minute ${config.soakWarmMs / 60_000} to the end (${int(s.rssWarmMiB)} → ${int(s.rssEndMiB)} MiB); ${int(s.rssIdleMiB)} MiB after ${config.soakIdleMs / 60_000} min idle; ${int(s.rssCollectedMiB)} MiB after a full garbage collection`,
      `RSS at the start ${int(s.rssStartMiB)} MiB, peak ${int(s.rssPeakMiB)} MiB; of it wrangler's local proxy (absent when deployed): ${int(s.proxyWarmMiB)} → ${int(s.proxyEndMiB)} MiB; the collection: the worker's, through its inspector, then 15 s for workerd to evict the idle conversation objects; workerd's allocator keeps freed memory, so RSS does not come down`,
    ],
    [
      "Soak: the worker's JS heap after a full collection",
      `${s.heapStartMiB.toFixed(1)} MiB at the start → ${s.heapEndMiB.toFixed(1)} MiB after the soak`,
      "what the app's own code holds (Runtime.getHeapUsage through the inspector); the conversation objects live in the same isolate",
    ],
  ];
}

/** Each provider path the app has; `api` is the OPENAI_API the worker must run with. */
const PROVIDERS = [
  { name: "OpenAI Chat Completions", api: "chat", model: `openai:${MODEL}` },
  { name: "Workers AI REST", api: "chat", model: `workers-ai:${WORKERS_AI_MODEL}` },
  { name: "OpenAI Responses", api: "responses", model: `openai:${MODEL}` },
];

/** Starts a slow answer through the worker; resolves once its first text deltas arrived, its body still being read. */
async function startAnswer(model, n, signal) {
  const prompt = `Abort [bench n=${n} delay=${config.abortDelayMs}] [abort ${Date.now().toString(36)}-${seq}]`;
  const { id, response, cookie } = await postChat(prompt, { model, signal });
  let deltas = 0;
  let arrived;
  const firstTokens = new Promise((resolve) => (arrived = resolve));
  const reading = readSse(response, (data) => {
    if (data.includes('"type":"text-delta"') && ++deltas === 5) arrived();
  }).catch(() => {}); // an aborted fetch rejects
  await Promise.race([firstTokens, reading.then(() => Promise.reject(new Error(`${model}: the answer ended before its first tokens`)))]);
  return { id, prompt, reading, cookie };
}

/** When the upstream stream of `prompt` closed, in ms after `since`, and whether before its end; undefined after timeoutMs. */
async function upstreamClosed(prompt, since, timeoutMs) {
  const end = await Promise.race([upstreamStreams.ends.get(prompt), sleep(timeoutMs)]);
  return end && { ms: end.at - since, beforeEnd: end.beforeEnd };
}

/** Stop (POST /api/chat/<id>/stop) → the upstream request closed; then a closed tab (the client's fetch aborted). */
async function benchAbort({ name, model }) {
  const stops = [];
  for (let i = 0; i < config.abortStopRuns; i++) {
    const answer = await startAnswer(model, config.abortTokens);
    const since = performance.now();
    const response = await fetch(`${APP}/api/chat/${answer.id}/stop`, { method: "POST", headers: { cookie: answer.cookie } });
    const { stopped } = await response.json();
    const answeredMs = performance.now() - since;
    const closed = await upstreamClosed(answer.prompt, since, config.abortTimeoutMs);
    await answer.reading;
    stops.push({ stopped, answeredMs, closedMs: closed?.beforeEnd ? closed.ms : undefined });
  }
  const closedMs = stops.map((stop) => stop.closedMs).filter((value) => value !== undefined);

  const tabStreamMs = config.tabCloseTokens * config.abortDelayMs;
  const controller = new AbortController();
  const answer = await startAnswer(model, config.tabCloseTokens, controller.signal);
  const since = performance.now();
  controller.abort();
  const tabClose = await upstreamClosed(answer.prompt, since, tabStreamMs + 5_000);
  await sleep(300); // the answer's save
  return {
    provider: name,
    model,
    stopRuns: stops.length,
    stopNotClosed: stops.length - closedMs.length,
    stopAnsweredP50: median(stops.map((stop) => stop.answeredMs)),
    stopReportedStopped: stops.filter((stop) => stop.stopped).length,
    upstreamClosedP50: median(closedMs),
    upstreamClosedMax: Math.max(...closedMs),
    tabStreamMs,
    tabClose: tabClose ?? null,
  };
}

/** Chromium with a page of the chat that counts main-thread long tasks (PerformanceObserver) from the start. */
async function openChatPage() {
  const { chromium } = await import("@playwright/test");
  const system = "/usr/bin/chromium";
  browser = await chromium.launch(
    existsSync(system)
      ? { executablePath: system, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"] }
      : {},
  );
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const stats = { total: 0, longest: 0, count: 0 };
    window.__longTasks = stats;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        stats.total += entry.duration;
        stats.longest = Math.max(stats.longest, entry.duration);
        stats.count++;
      }
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(`${APP}/`);
  await page.locator('[data-testid="chat"][data-model]:not([data-model=""])').waitFor();
  return page;
}

/** CPU seconds (user+sys) of the main threads of the Chromium renderers this process launched (their tid is their pid). */
function rendererMainThreadCpuSeconds() {
  const byParent = childrenOf();
  let total = 0;
  const walk = (pid) => {
    for (const child of byParent.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child.pid}/cmdline`, "utf8").includes("--type=renderer")) {
          const stat = readFileSync(`/proc/${child.pid}/task/${child.pid}/stat`, "utf8");
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
        }
      } catch {
        /* exited */
      }
      walk(child.pid);
    }
  };
  walk(process.pid);
  return total;
}

/**
 * One render case in a fresh page: the answer `doc` (ANSWERS) of `tokens` tokens, one per SSE event every `delayMs`.
 * Besides the long tasks, the renderer's main-thread time: its tasks' wall time (CDP Performance metrics: all tasks,
 * and script alone) and the CPU the thread got (/proc: tasks stretch when it waits for a core), and workerd's CPU
 * over the same time, as they share the machine's 2 cores.
 */
async function benchRenderCase({ name, doc, tokens, delayMs }) {
  const page = await openChatPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const mainThread = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    const value = (metric) => metrics.find((m) => m.name === metric).value * 1000;
    return { task: value("TaskDuration"), script: value("ScriptDuration") };
  };
  await page.evaluate(() => Object.assign(window.__longTasks, { total: 0, longest: 0, count: 0 }));
  const prompt = `Render ${name} [bench n=${tokens} delay=${delayMs} doc=${doc}]`;
  const before = { main: await mainThread(), cpu: rendererMainThreadCpuSeconds(), workerd: workerdCpuSeconds() };
  const started = performance.now();
  await page.getByTestId("composer-input").fill(prompt);
  await page.getByTestId("composer-input").press("Enter");
  await page.locator('[data-testid="message-assistant"][data-status="done"]').waitFor({ timeout: tokens * delayMs * 3 + 60_000 });
  const done = performance.now();
  const after = { main: await mainThread(), cpu: rendererMainThreadCpuSeconds(), workerd: workerdCpuSeconds() };
  const lastToken = (await upstreamStreams.ends.get(prompt)).at;
  const longTasks = await page.evaluate(() => window.__longTasks);
  const textLength = await page.getByTestId("assistant-text").last().evaluate((node) => (node.textContent ?? "").length);
  await browser.close();
  browser = undefined;
  return {
    name,
    doc,
    tokens,
    tokensPerSecond: 1000 / delayMs,
    // The upstream's own time: its timer's pace, a little slower than delayMs per token.
    upstreamMs: lastToken - started,
    afterUpstreamMs: done - lastToken,
    longTaskTotalMs: longTasks.total,
    longestTaskMs: longTasks.longest,
    longTaskCount: longTasks.count,
    mainThreadMs: after.main.task - before.main.task,
    scriptMs: after.main.script - before.main.script,
    mainThreadCpuMs: (after.cpu - before.cpu) * 1000,
    workerdCpuMs: (after.workerd - before.workerd) * 1000,
    textLength,
    // The 1-minute load average at its end: other processes on the 2 cores stretch long tasks as much as ours do.
    loadAverage: loadAverage(),
  };
}

async function benchRender() {
  const results = [];
  for (const renderCase of config.renderCases) {
    step(`render: ${renderCase.name}, ${renderCase.tokens} tokens (${(renderCase.tokens * renderCase.delayMs) / 1000} s)…`);
    results.push(await benchRenderCase(renderCase));
  }
  return results;
}

/** A row's text for one render case. */
function renderRow(r) {
  return [
    `Chromium render, ${r.name}: ${int(r.tokens)} tokens at ${r.tokensPerSecond} tok/s`,
    `long tasks ${int(r.longTaskTotalMs)} ms in total, longest ${int(r.longestTaskMs)} ms`,
    `${r.longTaskCount} long tasks; done ${ms(r.afterUpstreamMs)} after the upstream's last token (${(r.upstreamMs / 1000).toFixed(0)} s); renderer main thread: tasks ${int(r.mainThreadMs)} ms (script ${int(r.scriptMs)} ms), CPU ${int(r.mainThreadCpuMs)} ms; workerd CPU ${int(r.workerdCpuMs)} ms`,
  ];
}

/** The conversation objects' rows: TTFT with and without remote latency, round trips before the first token, rows. */
function conversationRows(local, remote, remoteModel, rows) {
  const calls = (withDelay, without) => ((withDelay - without) / config.remoteMs).toFixed(1);
  const n = config.remoteRequests;
  return [
    ["TTFT added, new chat (p50 / p95)", `${ms(local.freshP50)} / ${ms(local.freshP95)}; with ${config.remoteMs} ms per remote call: ${ms(remote.freshP50)} / ${ms(remote.freshP95)}`, `${n} new chats of new visitors; ≈ ${calls(remote.freshP50, local.freshP50)} sequential remote calls before the first token (p50 difference / ${config.remoteMs} ms)`],
    ["TTFT added, follow-up turn (p50 / p95)", `${ms(local.followUpP50)} / ${ms(local.followUpP95)}; with ${config.remoteMs} ms per remote call: ${ms(remote.followUpP50)} / ${ms(remote.followUpP95)}`, `the second turn of the same ${n} chats; ≈ ${calls(remote.followUpP50, local.followUpP50)} sequential remote calls before the first token`],
    [`TTFT added with ${config.remoteMs} ms per remote call, a model taking ${config.modelFirstMs} ms to its first token (p50)`, `${ms(remoteModel.freshP50)} new chat; ${ms(remoteModel.followUpP50)} follow-up`, "the model is asked after the one call into the conversation's object; the D1 checks (budget, a new chat's id) run while it thinks"],
    ["Durable Object rows written per 1,000-token answer", `${rows.paced ?? "–"} at 100 tok/s; ${rows.unthrottled ?? "–"} unthrottled`, "the whole turn in the conversation's SQLite: question, turn record, stream checkpoints (one row per second at most), answer"],
  ];
}

/** A row's text for one concurrency level. */
function concurrencyRow(c) {
  const of = (count) => (count < c.streams ? ` (${count} of ${c.streams})` : "");
  const errors = Object.entries(c.errorKinds).slice(0, 2).map(([kind, count]) => `${count}× ${kind}`);
  const unfinished = c.unfinished ? `${c.unfinished} unfinished after ${config.concurrentBudgetMs / 1000} s (cut off, worker restarted); ` : "";
  return [
    `${c.streams} concurrent streams`,
    `total ${c.totalP50VsAlone.toFixed(2)}× one alone (p50); TTFT +${ms(c.addedTtftP50)} / +${ms(c.addedTtftP99)}${of(c.withFirstToken)}; total +${ms(c.addedTotalP50)} / +${ms(c.addedTotalP99)}${of(c.finished)} (p50/p99)`,
    `${unfinished}${c.errors} errors${errors.length ? ` (${errors.join("; ")})` : ""}; as many raw pipes at once (no work but one Next request each): ${c.rawTotalP50VsAlone.toFixed(2)}× one alone${of(c.rawFinished)}; peak ${c.peakClientConnections} client connections, ${c.peakUpstreamStreams} upstream streams open; ${c.tokensPerStream} tokens at ${config.concurrentDelayMs} ms (${ms(c.upstreamMs)} upstream, ${ms(c.aloneMs)} alone through the worker); RSS ${int(c.rssBeforeMiB)}→${int(c.rssPeakMiB)} MiB, ${int(c.rssPerStreamKiB)} KiB/stream`,
  ];
}

/** A row's text for one abort result. */
function abortRow(a) {
  const stop =
    a.stopNotClosed === a.stopRuns
      ? `Stop: upstream still open ${config.abortTimeoutMs / 1000} s later`
      : `Stop → upstream closed ${ms(a.upstreamClosedP50)} (p50 of ${a.stopRuns - a.stopNotClosed}, max ${ms(a.upstreamClosedMax)})`;
  const tab = !a.tabClose
    ? `upstream still open ${(a.tabStreamMs + 5_000) / 1000} s after the abort`
    : a.tabClose.beforeEnd
      ? `upstream closed ${ms(a.tabClose.ms)} after the abort`
      : `the answer ran on (its conversation object owns it): upstream ended normally ${ms(a.tabClose.ms)} after the abort, its stream being ${a.tabStreamMs / 1000} s`;
  const failures = a.stopNotClosed ? `; ${a.stopNotClosed} of ${a.stopRuns} Stops left the upstream open ${config.abortTimeoutMs / 1000} s` : "";
  return [
    `Abort, ${a.provider}`,
    stop,
    `Stop answered in ${ms(a.stopAnsweredP50)} (stopped: ${a.stopReportedStopped}/${a.stopRuns})${failures}; tab closed (fetch aborted): ${tab}`,
  ];
}

const began = performance.now();
/** Logs a phase with the seconds since the bench started. */
const step = (text) => console.log(`bench [${((performance.now() - began) / 1000).toFixed(0)} s]: ${text}`);
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** --render-only: the render cases alone, their JSON in bench-results/bench-render.json (a full run's file is kept). */
async function renderOnly(loadAtStart) {
  const render = await benchRender();
  const results = { date: new Date().toISOString(), quick: QUICK, loadAverage: { start: loadAtStart, end: loadAverage() }, config, render };
  writeFileSync(join(RESULTS, "bench-render.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`\nedge-chat bench --render-only, ${results.date}${QUICK ? " (--quick)" : ""}; load average ${results.loadAverage.start} at the start, ${results.loadAverage.end} at the end\n`);
  console.log("| Measure | Result | Details |\n| --- | --- | --- |");
  for (const row of render.map(renderRow)) console.log(`| ${row.join(" | ")} |`);
}

async function soakOnly(loadAtStart) {
  step(`soak: ${config.soakVisitors} visitors for ${config.soakMs / 60_000} min, then ${config.soakIdleMs / 1000} s idle…`);
  const soak = await benchSoak();
  const results = { date: new Date().toISOString(), quick: QUICK, loadAverage: { start: loadAtStart, end: loadAverage() }, config, soak };
  writeFileSync(join(RESULTS, "bench-soak.json"), JSON.stringify(results, null, 2) + "\n");
  console.log(`\nedge-chat bench --soak-only, ${results.date}${QUICK ? " (--quick)" : ""}; load average ${results.loadAverage.start} at the start, ${results.loadAverage.end} at the end\n`);
  console.log("| Measure | Result | Details |\n| --- | --- | --- |");
  for (const row of soakRows(soak)) console.log(`| ${row.join(" | ")} |`);
}

async function main() {
  const loadAtStart = loadAverage();
  mkdirSync(RESULTS, { recursive: true });
  const bundle = workerBundle();
  for (const file of readdirSync(RESULTS)) if (/^worker-.*\.log$/.test(file)) rmSync(join(RESULTS, file)); // the last run's
  upstream = await startUpstream();
  step(`fake upstream on ${UPSTREAM}; starting the worker on ${APP}…`);
  await startApp("chat");
  if (workerdProcesses().length === 0) console.warn("bench: no workerd process found under start.mjs: CPU and RSS will read 0");
  if (SERVE) {
    step(`serving until stopped (Ctrl-C); the worker's inspector is on port ${INSPECTOR_PORT}, for a CPU profile`);
    return new Promise(() => {});
  }
  if (RENDER_ONLY) return renderOnly(loadAtStart);
  if (SOAK_ONLY) return soakOnly(loadAtStart);

  step("time to first token…");
  const ttft = await benchTtft();
  step("conversation rows per answer, TTFT of new chats and follow-ups…");
  const answerRows = await benchRows();
  const turnTtft = await benchTurnTtft();
  step("throughput and CPU (chat route and raw pipe)…");
  const throughput = await benchThroughput();
  step(`CPU with a paced upstream (${config.pacedTokens} tokens at ${1000 / config.pacedDelayMs} tokens/s)…`);
  const paced = await benchPacedCpu();
  const concurrency = [];
  for (const streams of config.concurrency) {
    step(`${streams} concurrent streams…`);
    concurrency.push(await benchConcurrency(streams));
    await sleep(1_000);
  }

  const render = RENDER ? await benchRender() : undefined;

  let soak;
  if (SOAK) {
    await restartApp("chat"); // a fresh worker: memory from its start
    step(`soak: ${config.soakVisitors} visitors for ${config.soakMs / 60_000} min, then ${config.soakIdleMs / 1000} s idle…`);
    soak = await benchSoak();
  }

  step(`restarting the worker with ${config.remoteMs} ms added to every D1 and Durable Object call…`);
  await restartApp("chat", { BENCH_REMOTE_MS: String(config.remoteMs) });
  const remoteTtft = await benchTurnTtft();
  const remoteModelTtft = await benchTurnTtft(config.modelFirstMs);
  await restartApp("chat");

  const abort = [];
  for (const provider of PROVIDERS) {
    if (provider.api !== appApi) {
      step(`restarting the worker with OPENAI_API=${provider.api}…`);
      await restartApp(provider.api);
    }
    step(`abort cost, ${provider.name}…`);
    abort.push(await benchAbort(provider));
  }

  const results = {
    date: new Date().toISOString(),
    quick: QUICK,
    node: process.version,
    runtime: "wrangler dev --local (workerd, inspector on), OpenNext build",
    loadAverage: { start: loadAtStart, end: loadAverage() },
    config,
    ttft,
    conversation: { turnTtft, remoteTtft, remoteModelTtft, remoteMs: config.remoteMs, rows: answerRows },
    throughput,
    paced,
    bundle,
    concurrency,
    soak,
    abort,
    render,
    notMeasured: [...(render ? [] : ["client rendering in Chromium (run with --render)"]), ...(soak ? [] : ["the soak (run with --soak)"])],
  };
  writeFileSync(join(RESULTS, "bench-results.json"), JSON.stringify(results, null, 2) + "\n");

  const rows = [
    ["TTFT added by the route (p50 / p95)", `${ms(ttft.addedP50)} / ${ms(ttft.addedP95)}`, `${ttft.requests} paired requests, ${config.ttftTokens} tokens; upstream's own p50 ${ms(ttft.upstreamP50)}; the raw pipe (one Next request, no work) adds ${ms(ttft.rawAddedP50)} / ${ms(ttft.rawAddedP95)}`],
    ...conversationRows(turnTtft, remoteTtft, remoteModelTtft, answerRows),
    ["Relay throughput, unthrottled upstream", `${int(throughput.routeTokPerS)} tok/s`, `reading the upstream directly: ${int(throughput.directTokPerS)} tok/s (ratio ${throughput.ratio.toFixed(3)}); raw pipe through the worker: ${int(throughput.rawTokPerS)} tok/s; ${int(throughput.tokens)} tokens, median of ${throughput.runs}`],
    ["workerd CPU per streamed token (chat route / raw pipe)", `${int(throughput.cpuUsPerToken)} µs / ${int(throughput.rawCpuUsPerToken)} µs (${throughput.cpuRatio.toFixed(1)}×)`, `user+sys of workerd / tokens, median of ${throughput.runs}; raw pipe: GET /api/bench/raw, the upstream's SSE piped through the same worker; ${throughput.uiDeltasPerRun} UI text deltas per ${int(throughput.tokens)}-token answer`],
    ["workerd CPU per streamed token, upstream paced at 100 tok/s (chat route / raw pipe / only reading it)", `${int(paced.cpuUsPerToken)} µs / ${int(paced.rawCpuUsPerToken)} µs / ${int(paced.readCpuUsPerToken)} µs`, `${int(paced.tokens)} tokens, one per upstream event every ${paced.delayMs} ms; ${paced.deltasOut} UI text deltas; only reading: GET /api/bench/raw?read=1, the route reads the upstream (${paced.readsPerToken.toFixed(2)} reads per token) and sends nothing; the chat route's share in wrangler's local proxy: ${int(paced.proxyCpuUsPerToken)} µs; workerd idle: ${paced.idleMsPerS.toFixed(1)} ms of CPU per second (included)`],
    ...concurrency.map(concurrencyRow),
    ...(soak ? soakRows(soak) : []),
    ["Worker bundle (wrangler deploy --dry-run)", bundle ? `${(bundle.gzipKib / 1024).toFixed(2)} MiB gzipped` : "–", bundle ? `${(bundle.kib / 1024).toFixed(2)} MiB uncompressed` : "the dry run failed"],
    ...abort.map(abortRow),
  ];
  if (render) rows.push(...render.map(renderRow));
  console.log(`\nedge-chat bench, ${results.date}${QUICK ? " (--quick)" : ""}; load average (1/5/15 min) ${results.loadAverage.start} at the start, ${results.loadAverage.end} at the end\n`);
  console.log("| Measure | Result | Details |\n| --- | --- | --- |");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(`\nJSON: bench-results/bench-results.json`);
}

main().then(
  () => cleanup(0),
  (error) => {
    console.error(`bench failed: ${error.stack ?? error}`);
    void cleanup(1);
  },
);
