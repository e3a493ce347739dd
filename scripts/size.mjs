// `npm run size`: the JavaScript a browser downloads before the chat page (/) and the embed widget (/embed) can be
// used, gzipped, chunk by chunk. It serves the production worker in local workerd (built first when stale; SKIP_BUILD=1
// never) on its own port, opens each page in Chromium and waits until the chat is up (the CHAT_READY_MARK performance
// mark of components/chat/lazy.tsx: hydrated, the composer usable) and 2 s more. The first load is every script asked
// for before that mark; what the page asks for by itself after it (the answer's parts, preloaded once the page is
// idle) is listed apart, as loaded after the first paint. Code that loads on use (a code block's grammar, say) is in
// neither. Writes bench-results/size.json; the budget is 200 KB of first load per page (`--check` fails above it).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { buildIfStale, root, serveWorker } from "./worker-build.mjs";

const PORT = Number(process.env.SIZE_PORT || 3721);
const BUDGET_KB = 200;
/** components/chat/lazy.tsx's CHAT_READY_MARK. */
const CHAT_READY_MARK = "edge-chat:chat-ready";
const PAGES = [
  { name: "chat page", path: "/", ready: "[data-testid=composer-input]" },
  { name: "embed widget", path: "/embed", ready: "[data-testid=composer-input]" },
];

if (process.env.SKIP_BUILD !== "1") buildIfStale();

const kb = (bytes) => bytes / 1024;

async function measure(browser, url, { path, ready }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts = new Map();
  page.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!type.includes("javascript")) return;
    const body = await response.body().catch(() => undefined);
    if (body) scripts.set(new URL(response.url()).pathname, { raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
  });
  await page.goto(`${url}${path}`);
  await page.waitForSelector(ready);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, CHAT_READY_MARK);
  // Whatever the page still fetches by itself once it is up (nothing typed, nothing sent).
  await page.waitForTimeout(2_000);
  // When each script was asked for, against the mark (resource timing: both on the page's clock).
  const { ready: readyAt, started } = await page.evaluate((mark) => ({
    ready: performance.getEntriesByName(mark)[0].startTime,
    started: performance.getEntriesByType("resource").map((entry) => [new URL(entry.name).pathname, entry.startTime]),
  }), CHAT_READY_MARK);
  await context.close();
  const startedAt = new Map(started);
  const chunks = [...scripts].map(([file, size]) => ({ file, ...size })).sort((a, b) => b.gzip - a.gzip);
  // A script without a timing entry counts as first load.
  const askedLater = (chunk) => startedAt.get(chunk.file) > readyAt;
  return { ...totals(chunks.filter((chunk) => !askedLater(chunk))), later: totals(chunks.filter(askedLater)) };
}

const totals = (chunks) => ({
  chunks,
  gzip: chunks.reduce((sum, chunk) => sum + chunk.gzip, 0),
  raw: chunks.reduce((sum, chunk) => sum + chunk.raw, 0),
});

const list = (chunks) => {
  for (const chunk of chunks) console.log(`  ${kb(chunk.gzip).toFixed(1).padStart(7)} KB  ${chunk.file}`);
};

let failed = false;
// The widget starts (gets its token) only where embedding is on.
const worker = await serveWorker({ port: PORT, env: { EMBED_ALLOWED_ORIGINS: "https://host.example" } });
try {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const results = [];
  for (const target of PAGES) {
    const result = await measure(browser, worker.url, target);
    results.push({ ...target, ...result });
    console.log(`\n${target.name} (${target.path}): ${kb(result.gzip).toFixed(1)} KB gzipped (${kb(result.raw).toFixed(1)} KB raw), ${result.chunks.length} files, budget ${BUDGET_KB} KB`);
    list(result.chunks);
    const { later } = result;
    console.log(`  then, after the first paint: ${kb(later.gzip).toFixed(1)} KB gzipped (${kb(later.raw).toFixed(1)} KB raw), ${later.chunks.length} files`);
    list(later.chunks);
    if (kb(result.gzip) > BUDGET_KB) failed = true;
  }
  await browser.close();
  mkdirSync(join(root, "bench-results"), { recursive: true });
  writeFileSync(join(root, "bench-results", "size.json"), JSON.stringify({ at: new Date().toISOString(), budgetKb: BUDGET_KB, pages: results }, null, 2) + "\n");
} finally {
  worker.stop();
}
if (failed && process.argv.includes("--check")) {
  console.error(`\nover the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
