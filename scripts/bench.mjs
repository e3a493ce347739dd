// `npm run bench`: what our streaming path costs, measured against the production worker in local workerd.
// Starts a fake OpenAI-compatible upstream (Chat Completions SSE) that streams N tokens at a set pace, boots the
// worker (scripts/start.mjs; rebuilt only when stale) on its own ports pointed at the fake, and prints a table:
// - TTFT added by our route over the upstream's own (p50/p95 over paired requests);
// - relay throughput with an unthrottled upstream (tokens/s, ratio to reading the upstream directly);
// - workerd CPU time per streamed token (utime+stime of the worker's workerd processes from /proc);
// - 10 and 100 concurrent streams: added latency p50/p99, errors, workerd RSS per open stream.
// Writes the numbers to bench-results/bench-results.json (gitignored). A tool, not a test: nothing here asserts.
// - with --render: client rendering in Chromium of a 20,000-token markdown answer streamed at 100 tokens/s (200 s;
//   2,000 tokens with --quick): main-thread long tasks (total, longest, count) and the time from the upstream's last
//   token to the finished message.
// Flags: --quick (fewer requests and tokens), --render; SKIP_BUILD=1 never rebuilds. Ports: BENCH_PORT (3711), +1 upstream, +3 inspector.
// Every process it starts is stopped on exit, Ctrl-C or SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { bin, root, workerBuildState } from "./worker-build.mjs";

const QUICK = process.argv.includes("--quick");
const RENDER = process.argv.includes("--render");
const BASE_PORT = Number(process.env.BENCH_PORT || 3711);
const APP_PORT = BASE_PORT;
const UPSTREAM_PORT = BASE_PORT + 1;
const INSPECTOR_PORT = BASE_PORT + 3;
const APP = `http://127.0.0.1:${APP_PORT}`;
const UPSTREAM = `http://127.0.0.1:${UPSTREAM_PORT}`;
const MODEL = "gpt-bench";
const CLK_TCK = 100; // Linux USER_HZ

const config = {
  ttftRequests: QUICK ? 10 : 30,
  ttftTokens: 20,
  throughputTokens: QUICK ? 1000 : 4000,
  throughputRuns: QUICK ? 1 : 3,
  concurrency: [10, 100],
  concurrentTokens: 50,
  concurrentDelayMs: 20,
  renderTokens: QUICK ? 2_000 : 20_000,
  renderDelayMs: 10,
};

// ─── the fake upstream ────────────────────────────────────────────────────────────────────────────────────────
// The last user message carries the script: "[bench n=<tokens> delay=<ms>]".
function scriptOf(text) {
  const match = /\[bench n=(\d+) delay=(\d+)( md)?\]/.exec(text ?? "");
  return match ? { n: Number(match[1]), delay: Number(match[2]), markdown: !!match[3] } : { n: 20, delay: 0, markdown: false };
}

/** Token i of a long markdown answer: paragraphs, headings, lists, inline code, bold, a code block now and then. */
function markdownToken(i) {
  if (i % 1000 === 0) return `\n\n## Section ${i / 1000 + 1}\n\n`;
  if (i % 400 === 10) return "\n\n```ts\nconst x = 1;\n";
  if (i % 400 === 30) return "```\n\n";
  if (i % 400 > 10 && i % 400 < 30) return `x${i} `;
  if (i % 120 === 0) return "\n\n";
  if (i % 60 === 0) return "\n- item ";
  if (i % 17 === 0) return "**bold** ";
  if (i % 23 === 0) return "`code` ";
  return `word${i} `;
}

function lastUserText(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => p?.text ?? "").join(" ");
  }
  return "";
}

const chunk = (delta, finish = null, usage) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  })}\n\n`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function streamTokens(res, { n, delay, markdown }) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(chunk({ role: "assistant", content: "" }));
  let closed = false;
  res.on("close", () => (closed = true));
  for (let i = 0; i < n && !closed; i++) {
    if (delay > 0 && i > 0) await sleep(delay);
    const ok = res.write(chunk({ content: markdown ? markdownToken(i) : `tok${i} ` }));
    if (!ok && !closed) await new Promise((resolve) => res.once("drain", resolve));
  }
  if (closed) return;
  res.write(chunk({}, "stop", { prompt_tokens: 10, completion_tokens: n, total_tokens: n + 10 }));
  res.end("data: [DONE]\n\n");
}

function startUpstream() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const part of req) chunks.push(part);
    const url = new URL(req.url ?? "/", UPSTREAM);
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = undefined;
      }
      return streamTokens(res, scriptOf(lastUserText(body)));
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "not found" } }));
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

async function startApp() {
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
    OPENAI_API: "chat",
    OPENAI_MODELS: MODEL,
    DEFAULT_MODEL: `openai:${MODEL}`,
    ENABLE_DEMO_MODEL: "",
    CLOUDFLARE_ACCOUNT_ID: "",
    CLOUDFLARE_API_TOKEN: "",
    WORKERS_AI_MODELS: "",
    CHAT_TITLES: "prompt",
    SESSION_SECRET: "bench-session-secret-not-for-production",
    NEXT_TELEMETRY_DISABLED: "1",
    WRANGLER_SEND_METRICS: "false",
  };
  // The project's own Node 24 (a dev dependency) when present, as npm test does.
  const node = existsSync(bin("node")) ? bin("node") : process.execPath;
  app = spawn(node, [join(root, "scripts", "start.mjs")], {
    cwd: root,
    env,
    detached: true, // its own process group, so cleanup reaches wrangler and workerd
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  app.stderr.on("data", (data) => (stderr = (stderr + data).slice(-4000)));
  const deadline = Date.now() + (stale ? 300_000 : 60_000);
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`the worker exited early (${app.exitCode}):\n${stderr}`);
    try {
      const response = await fetch(`${APP}/api/models`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(300);
  }
  throw new Error(`the worker did not answer on ${APP} in time:\n${stderr}`);
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

/** Resident memory of the worker's workerd processes, in bytes. */
function workerdRss() {
  let total = 0;
  for (const { pid } of workerdProcesses()) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      /* exited */
    }
  }
  return total;
}

// ─── clients ──────────────────────────────────────────────────────────────────────────────────────────────────
let cookie = "";
let seq = 0;

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

/** One chat turn through the worker: { ttft, total, deltas, text } in ms from the request's start. */
async function viaRoute(n, delay) {
  const id = `bench-${Date.now().toString(36)}-${seq++}`;
  const started = performance.now();
  const response = await fetch(`${APP}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({
      id,
      trigger: "submit-message",
      model: `openai:${MODEL}`,
      message: { id: `m-${id}`, role: "user", parts: [{ type: "text", text: `Go [bench n=${n} delay=${delay}]` }] },
    }),
  });
  const setCookie = response.headers.get("set-cookie");
  if (setCookie && !cookie) cookie = setCookie.split(";")[0];
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  let ttft;
  let deltas = 0;
  let text = "";
  let error;
  await readSse(response, (data) => {
    if (!data.startsWith("{")) return;
    const event = JSON.parse(data);
    if (event.type === "text-delta") {
      ttft ??= performance.now() - started;
      deltas++;
      text += event.delta;
    } else if (event.type === "error") error = event.errorText;
  });
  if (error) throw new Error(`stream error: ${error}`);
  const tokens = text.split(" ").filter(Boolean).length;
  if (tokens !== n) throw new Error(`expected ${n} tokens, got ${tokens}`);
  return { ttft, total: performance.now() - started, deltas, tokens };
}

/** The same stream read straight from the fake upstream. */
async function direct(n, delay) {
  const started = performance.now();
  const response = await fetch(`${UPSTREAM}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: "user", content: `Go [bench n=${n} delay=${delay}]` }] }),
  });
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

// ─── statistics ───────────────────────────────────────────────────────────────────────────────────────────────
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const median = (values) => percentile(values, 50);
const ms = (value) => `${value.toFixed(1)} ms`;

// ─── the runs ─────────────────────────────────────────────────────────────────────────────────────────────────
async function benchTtft() {
  const added = [];
  const routeTtft = [];
  const upstreamTtft = [];
  for (let i = 0; i < config.ttftRequests; i++) {
    const d = await direct(config.ttftTokens, 0);
    const r = await viaRoute(config.ttftTokens, 0);
    upstreamTtft.push(d.ttft);
    routeTtft.push(r.ttft);
    added.push(r.ttft - d.ttft);
  }
  return {
    requests: config.ttftRequests,
    upstreamP50: median(upstreamTtft),
    routeP50: median(routeTtft),
    routeP95: percentile(routeTtft, 95),
    addedP50: median(added),
    addedP95: percentile(added, 95),
  };
}

async function benchThroughput() {
  const n = config.throughputTokens;
  const runs = [];
  for (let i = 0; i < config.throughputRuns; i++) {
    const d = await direct(n, 0);
    const cpuBefore = workerdCpuSeconds();
    const r = await viaRoute(n, 0);
    await sleep(200); // let the answer's save and the stream room's bookkeeping finish
    const cpu = workerdCpuSeconds() - cpuBefore;
    runs.push({
      directTokPerS: n / (d.total / 1000),
      routeTokPerS: n / (r.total / 1000),
      cpuUsPerToken: (cpu * 1e6) / n,
      deltasOut: r.deltas,
    });
  }
  const routeTokPerS = median(runs.map((r) => r.routeTokPerS));
  const directTokPerS = median(runs.map((r) => r.directTokPerS));
  return {
    tokens: n,
    runs: runs.length,
    routeTokPerS,
    directTokPerS,
    ratio: routeTokPerS / directTokPerS,
    cpuUsPerToken: median(runs.map((r) => r.cpuUsPerToken)),
    uiDeltasPerRun: median(runs.map((r) => r.deltasOut)),
  };
}

async function benchConcurrency(streams) {
  const n = config.concurrentTokens;
  const delay = config.concurrentDelayMs;
  const baseline = await direct(n, delay);
  await sleep(300);
  const rssBefore = workerdRss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, workerdRss())), 100);
  const results = await Promise.allSettled(Array.from({ length: streams }, () => viaRoute(n, delay)));
  clearInterval(sampler);
  const ok = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
  const errors = results.filter((r) => r.status === "rejected").map((r) => String(r.reason?.message ?? r.reason));
  const addedTtft = ok.map((r) => r.ttft - baseline.ttft);
  const addedTotal = ok.map((r) => r.total - baseline.total);
  return {
    streams,
    tokensPerStream: n,
    upstreamMs: baseline.total,
    addedTtftP50: median(addedTtft),
    addedTtftP99: percentile(addedTtft, 99),
    addedTotalP50: median(addedTotal),
    addedTotalP99: percentile(addedTotal, 99),
    errors: errors.length,
    firstError: errors[0],
    rssBeforeMiB: rssBefore / 2 ** 20,
    rssPeakMiB: rssPeak / 2 ** 20,
    rssPerStreamKiB: (rssPeak - rssBefore) / 1024 / streams,
  };
}

async function benchRender() {
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
  await page.evaluate(() => Object.assign(window.__longTasks, { total: 0, longest: 0, count: 0 }));
  const n = config.renderTokens;
  const upstreamMs = n * config.renderDelayMs;
  const started = performance.now();
  await page.getByTestId("composer-input").fill(`Render [bench n=${n} delay=${config.renderDelayMs} md]`);
  await page.getByTestId("composer-input").press("Enter");
  await page
    .locator('[data-testid="message-assistant"][data-status="done"]')
    .waitFor({ timeout: upstreamMs * 3 + 60_000 });
  const elapsed = performance.now() - started;
  const longTasks = await page.evaluate(() => window.__longTasks);
  const textLength = await page.getByTestId("assistant-text").last().evaluate((node) => (node.textContent ?? "").length);
  await browser.close();
  browser = undefined;
  return {
    tokens: n,
    tokensPerSecond: 1000 / config.renderDelayMs,
    upstreamMs,
    elapsedMs: elapsed,
    afterUpstreamMs: elapsed - upstreamMs,
    longTaskTotalMs: longTasks.total,
    longestTaskMs: longTasks.longest,
    longTaskCount: longTasks.count,
    textLength,
  };
}

async function main() {
  upstream = await startUpstream();
  console.log(`bench: fake upstream on ${UPSTREAM}; starting the worker on ${APP}…`);
  await startApp();
  if (workerdProcesses().length === 0) console.warn("bench: no workerd process found under start.mjs: CPU and RSS will read 0");
  // Warm up: compile the route, create the visitor, open the database.
  for (let i = 0; i < 3; i++) await viaRoute(20, 0);

  console.log("bench: time to first token…");
  const ttft = await benchTtft();
  console.log("bench: throughput and CPU…");
  const throughput = await benchThroughput();
  const concurrency = [];
  for (const streams of config.concurrency) {
    console.log(`bench: ${streams} concurrent streams…`);
    concurrency.push(await benchConcurrency(streams));
    await sleep(1_000);
  }

  let render;
  if (RENDER) {
    console.log(`bench: rendering a ${config.renderTokens}-token answer in Chromium (${(config.renderTokens * config.renderDelayMs) / 1000} s)…`);
    render = await benchRender();
  }

  const results = {
    date: new Date().toISOString(),
    quick: QUICK,
    node: process.version,
    runtime: "wrangler dev --local (workerd, inspector on), OpenNext build",
    config,
    ttft,
    throughput,
    concurrency,
    render,
    notMeasured: [
      "raw pipe baseline through the same worker (the app has no raw-pipe route; see ../shared/notes/streaming-cost.md: ~197 µs/token for OpenNext)",
      ...(render ? [] : ["client rendering in Chromium (run with --render)"]),
    ],
  };
  mkdirSync(join(root, "bench-results"), { recursive: true });
  writeFileSync(join(root, "bench-results", "bench-results.json"), JSON.stringify(results, null, 2) + "\n");

  const rows = [
    ["TTFT added by the route (p50 / p95)", `${ms(ttft.addedP50)} / ${ms(ttft.addedP95)}`, `${ttft.requests} paired requests, ${config.ttftTokens} tokens; upstream's own p50 ${ms(ttft.upstreamP50)}`],
    ["Relay throughput, unthrottled upstream", `${throughput.routeTokPerS.toFixed(0)} tok/s`, `reading the upstream directly: ${throughput.directTokPerS.toFixed(0)} tok/s (ratio ${throughput.ratio.toFixed(3)}); ${throughput.tokens} tokens, median of ${throughput.runs}`],
    ["workerd CPU per streamed token", `${throughput.cpuUsPerToken.toFixed(0)} µs`, `user+sys of workerd / tokens; ${throughput.uiDeltasPerRun} UI text deltas per ${throughput.tokens}-token answer; raw pipe baseline not measured`],
    ...concurrency.map((c) => [
      `${c.streams} concurrent streams`,
      `TTFT +${ms(c.addedTtftP50)} / +${ms(c.addedTtftP99)}; total +${ms(c.addedTotalP50)} / +${ms(c.addedTotalP99)} (p50/p99)`,
      `${c.errors} errors${c.firstError ? ` (${c.firstError})` : ""}; ${c.tokensPerStream} tokens at ${config.concurrentDelayMs} ms (${ms(c.upstreamMs)} upstream); RSS ${c.rssBeforeMiB.toFixed(0)}→${c.rssPeakMiB.toFixed(0)} MiB, ${c.rssPerStreamKiB.toFixed(0)} KiB/stream`,
    ]),
  ];
  if (render) {
    rows.push([
      `Chromium render, ${render.tokens} markdown tokens at ${render.tokensPerSecond} tok/s`,
      `long tasks ${render.longTaskTotalMs.toFixed(0)} ms in total, longest ${render.longestTaskMs.toFixed(0)} ms`,
      `${render.longTaskCount} long tasks; done ${ms(render.afterUpstreamMs)} after the upstream's ${(render.upstreamMs / 1000).toFixed(0)} s`,
    ]);
  }
  console.log(`\nedge-chat bench, ${results.date}${QUICK ? " (--quick)" : ""}\n`);
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
