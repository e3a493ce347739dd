// `npm run screenshots`: the README's screenshots (public/readme/*.webp), taken from the running app. It serves the
// production worker in local workerd (built first when stale; SKIP_BUILD=1 never) on its own port, offline with the
// demo model whatever the shell or .dev.vars configure, next to two small local servers: a stand-in for Open-Meteo
// (fixed Paris weather, so the weather card has something to show) and a host page on another origin that embeds the
// widget. Chromium drives the app as a visitor would, waits for each answer to finish, and each shot is encoded as
// WebP by Chromium itself (a canvas), so nothing beyond Playwright and /usr/bin/chromium is needed.
// SCREENSHOTS_PORT (default 3731) moves the worker; the next three ports are its inspector, the host page and the
// weather stand-in. The worker's log goes to .wrangler/screenshots-worker.log. The images are the README's only:
// public/.assetsignore keeps them out of the worker's assets, and the build does not count them as a source.
import { mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { buildIfStale, root, serveWorker } from "./worker-build.mjs";

const PORT = Number(process.env.SCREENSHOTS_PORT || 3731);
const HOST = "127.0.0.1";
const URL_BASE = `http://${HOST}:${PORT}`;
const HOST_PAGE_PORT = PORT + 2;
const HOST_PAGE_URL = `http://${HOST}:${HOST_PAGE_PORT}`;
const WEATHER_PORT = PORT + 3;
const OUT = join(root, "public", "readme");
/** WebP quality (0–1) for Chromium's encoder: text stays crisp (0.9 looks no better) and each image stays near 50 KB. */
const QUALITY = Number(process.env.SCREENSHOTS_QUALITY || 0.8);
const DESKTOP = { width: 1280, height: 800 };
const ADMIN_TOKEN = "screenshots-owner-password";
const SCREENSHOTS_STATE = join(root, ".wrangler", "state-screenshots");
const PHONE = { width: 390, height: 844 };

const started = Date.now();
// Before the staleness check: creating the folder touches public/, which the check reads.
mkdirSync(OUT, { recursive: true });
if (process.env.SKIP_BUILD !== "1") buildIfStale();

// ---------------------------------------------------------------------------------------------------------------
// The weather stand-in: Open-Meteo's two endpoints (the app's WEATHER_API_BASE_URL replaces both hosts), Paris only.

/** "YYYY-MM-DD" and "HH" in Paris, today and the next days, so the card's "Today" is today. */
function parisDates() {
  const format = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  const hour = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", hourCycle: "h23" }).format(new Date());
  const days = [0, 1, 2].map((offset) => format(new Date(Date.now() + offset * 86_400_000)));
  return { days, hour };
}

function weatherAnswer(url) {
  if (url.pathname === "/v1/search") {
    return { results: [{ name: "Paris", country: "France", latitude: 48.85341, longitude: 2.3488 }] };
  }
  if (url.pathname === "/v1/forecast") {
    const { days, hour } = parisDates();
    return {
      timezone: "Europe/Paris",
      current: {
        time: `${days[0]}T${hour}:00`,
        temperature_2m: 18.4,
        apparent_temperature: 17.6,
        relative_humidity_2m: 62,
        wind_speed_10m: 11.3,
        weather_code: 2,
        is_day: Number(hour) >= 8 && Number(hour) < 18 ? 1 : 0,
      },
      daily: { time: days, weather_code: [2, 61, 1], temperature_2m_max: [19.8, 16.2, 21.5], temperature_2m_min: [11.2, 10.4, 12.1] },
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The host page: a plain "third-party site" on another origin (allowed in EMBED_ALLOWED_ORIGINS) with the snippet.

const HOST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Rockets: pricing</title>
<style>
  body{margin:0;font-family:system-ui,sans-serif;color:#1c1917;background:#fafaf9}
  header{display:flex;align-items:center;gap:32px;padding:18px 48px;background:#fff;border-bottom:1px solid #e7e5e4}
  header b{font-size:20px;color:#c2410c} nav{display:flex;gap:24px;color:#57534e;font-size:15px}
  main{max-width:880px;padding:48px} h1{font-size:40px;margin:0 0 12px} p{font-size:17px;line-height:1.6;color:#44403c;max-width:560px}
  .plans{display:grid;grid-template-columns:repeat(3,1fr);gap:16px;margin-top:32px;max-width:720px}
  .plan{background:#fff;border:1px solid #e7e5e4;border-radius:12px;padding:20px}
  .plan h2{font-size:17px;margin:0 0 6px} .plan .price{font-size:28px;font-weight:700} .plan p{font-size:14px;margin:8px 0 0}
</style></head><body>
<header><b>Acme Rockets</b><nav><span>Rockets</span><span>Pricing</span><span>Launch sites</span><span>Support</span></nav></header>
<main>
  <h1>Pricing</h1>
  <p>Every Acme rocket goes up. Pick the plan that fits your payload; all plans include launch insurance and a
  friendly countdown.</p>
  <div class="plans">
    <div class="plan"><h2>Hobby</h2><div class="price">$9k</div><p>Up to 5 kg to low orbit.</p></div>
    <div class="plan"><h2>Business</h2><div class="price">$90k</div><p>Up to 500 kg, weekly launches.</p></div>
    <div class="plan"><h2>Moon</h2><div class="price">Ask us</div><p>Anything, anywhere, eventually.</p></div>
  </div>
</main>
<script>
  (function wire() {
    if (!window.EdgeChat) return setTimeout(wire, 10);
    window.EdgeChat.setContext({
      title: document.title,
      // The page's canonical address, as a real site would send it (this stand-in is served from loopback).
      url: "https://acme-rockets.example/pricing",
      text: "Rocket launches from $9k, launch insurance included.",
    });
  })();
</script>
<script src="${URL_BASE}/embed.js" data-title="Acme help" data-welcome="Hi! Questions about our rockets?" data-color="#c2410c" data-open="true" async></script>
</body></html>`;

function listen(port, handler) {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => resolve(server));
  });
}

const weather = await listen(WEATHER_PORT, (request, response) => {
  const answer = weatherAnswer(new URL(request.url ?? "/", "http://weather.invalid"));
  if (!answer) return response.writeHead(404).end();
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
});
const hostPage = await listen(HOST_PAGE_PORT, (request, response) => {
  if (new URL(request.url ?? "/", "http://host.invalid").pathname !== "/") return response.writeHead(404).end();
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HOST_PAGE);
});

// ---------------------------------------------------------------------------------------------------------------
// The worker, offline: empty provider settings override any in .dev.vars (empty counts as not set), so the picker
// offers the demo model alone.

mkdirSync(join(root, ".wrangler"), { recursive: true });
const workerLog = openSync(join(root, ".wrangler", "screenshots-worker.log"), "w");
const workerEnv = {
  OPENAI_API_KEY: "",
  ANTHROPIC_API_KEY: "",
  GOOGLE_GENERATIVE_AI_API_KEY: "",
  CLOUDFLARE_ACCOUNT_ID: "",
  CLOUDFLARE_API_TOKEN: "",
  DEFAULT_MODEL: "",
  EMBED_MODEL: "",
  EMBED_INSTRUCTIONS: "",
  ENABLE_DEMO_MODEL: "",
  DEMO_DELAY_MS: "5",
  WEATHER_API_BASE_URL: `http://${HOST}:${WEATHER_PORT}`,
  EMBED_ALLOWED_ORIGINS: HOST_PAGE_URL,
  // The usage page's sign-in (its shot charts the answers the other shots made, in a state folder of this run's own).
  ADMIN_TOKEN,
  PERSIST_TO: SCREENSHOTS_STATE,
};
rmSync(SCREENSHOTS_STATE, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------------------------
// Driving the app (the selectors are the e2e suite's, tests/e2e/pages/chat-page.ts).

const ANSWER_TIMEOUT = 30_000;

/** Opens a new chat and waits until the page has hydrated and has its models (data-model is set by an effect). */
async function openChat(page) {
  await page.goto(`${URL_BASE}/`);
  await page.locator('[data-testid="chat"][data-model]:not([data-model=""])').waitFor({ timeout: ANSWER_TIMEOUT });
}

/**
 * Sends a prompt from `scope` (a page or a frame) and waits until its answer is finished: a tool card in `toolState`
 * if given, none still running, and (unless `text` is false, as for an approval that waits) the text that follows,
 * done streaming. A browser tool's answer comes in a second request, after the card is done: hence the text check.
 */
async function ask(scope, prompt, { toolState, text = true } = {}) {
  const users = scope.getByTestId("message-user");
  const before = await users.count();
  await scope.getByTestId("composer-input").fill(prompt);
  await scope.getByTestId("composer-input").press("Enter");
  await users.nth(before).waitFor({ timeout: ANSWER_TIMEOUT });
  const answer = scope.getByTestId("message-assistant").nth(before);
  const done = answer.and(scope.locator('[data-status="done"]'));
  await done.waitFor({ timeout: ANSWER_TIMEOUT });
  if (toolState) await answer.locator(`[data-testid="tool-card"][data-state="${toolState}"]`).first().waitFor({ timeout: ANSWER_TIMEOUT });
  await answer.locator('[data-testid="tool-card"][data-state^="input-"]').waitFor({ state: "detached", timeout: ANSWER_TIMEOUT });
  if (text) {
    await answer.getByTestId("assistant-text").last().waitFor({ timeout: ANSWER_TIMEOUT });
    await done.waitFor({ timeout: ANSWER_TIMEOUT });
  }
  // Syntax highlighting is a chunk of its own, loaded with the first code block: wait until it has coloured the code
  // (not for long: a language it does not know stays plain).
  const code = answer.locator('code[class*="language-"]');
  if ((await code.count()) > 0) await code.first().locator('[class^="hljs-"]').first().waitFor({ timeout: 5_000 }).catch(() => {});
  return answer;
}

/** Lets late layout (the title in the sidebar, lazily loaded highlighting, the stick-to-bottom scroll) settle. */
async function settle(page) {
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(600);
}

/** Chromium's own WebP encoder, through a canvas in a blank page: PNG in, WebP out. */
async function toWebp(encoder, png) {
  const dataUrl = await encoder.evaluate(
    async ({ src, quality }) => {
      const image = new Image();
      image.src = src;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      canvas.getContext("2d").drawImage(image, 0, 0);
      return canvas.toDataURL("image/webp", quality);
    },
    { src: `data:image/png;base64,${png.toString("base64")}`, quality: QUALITY },
  );
  if (!dataUrl.startsWith("data:image/webp;base64,")) throw new Error("this Chromium cannot encode WebP");
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64");
}

const shots = [];

/** Makes the viewport tall enough (up to `max`) for the whole conversation, so no message is cut at the top. */
async function fitConversation(page, max = 1200) {
  const overflow = await page
    .locator('section[aria-label="Conversation"] > div')
    .evaluate((list) => list.scrollHeight - list.clientHeight);
  const { width, height } = page.viewportSize();
  if (overflow > 0) await page.setViewportSize({ width, height: Math.min(max, height + overflow) });
}

async function shoot(encoder, page, name, { fit = false } = {}) {
  if (fit) await fitConversation(page);
  await settle(page);
  const png = await page.screenshot({ type: "png", animations: "disabled", caret: "hide" });
  const webp = await toWebp(encoder, png);
  writeFileSync(join(OUT, `${name}.webp`), webp);
  const { width, height } = page.viewportSize();
  shots.push({ name, width, height, bytes: webp.length });
  console.log(`  public/readme/${name}.webp  ${width}×${height}  ${(webp.length / 1024).toFixed(1)} KB`);
}

const CONTEXT = { locale: "en-US", timezoneId: "Europe/Paris", reducedMotion: "reduce" };

const worker = await serveWorker({ port: PORT, host: HOST, env: workerEnv, stdio: ["ignore", workerLog, workerLog] });
try {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const encoder = await browser.newPage();
  console.log(`edge-chat: screenshots from ${URL_BASE}`);

  // Light, desktop: a tool call, an approval, then a markdown answer (one visitor, so the sidebar lists the chats).
  const light = await browser.newContext({ ...CONTEXT, viewport: DESKTOP, colorScheme: "light" });
  const page = await light.newPage();
  await openChat(page);
  const tools = await ask(page, "What's the weather and the time in Paris?", { toolState: "output-available" });
  await tools.getByTestId("weather-card").waitFor();
  await shoot(encoder, page, "tool-card", { fit: true });

  await page.setViewportSize(DESKTOP);
  await openChat(page);
  await ask(page, "Save a note: buy milk", { toolState: "approval-requested", text: false });
  await page.getByTestId("approve-button").waitFor();
  await shoot(encoder, page, "approval");

  const chatPrompt = "How does edge-chat stream an answer?";
  await page.setViewportSize(DESKTOP);
  await openChat(page);
  await ask(page, chatPrompt);
  await shoot(encoder, page, "chat-light", { fit: true });
  await light.close();

  // Dark, desktop: the same question.
  const dark = await browser.newContext({ ...CONTEXT, viewport: DESKTOP, colorScheme: "dark" });
  const darkPage = await dark.newPage();
  await openChat(darkPage);
  await ask(darkPage, chatPrompt);
  await shoot(encoder, darkPage, "chat-dark", { fit: true });
  await dark.close();

  // A phone: a server tool and the answer from its result.
  const phone = await browser.newContext({ ...CONTEXT, viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const phonePage = await phone.newPage();
  await openChat(phonePage);
  await ask(phonePage, "What time is it in Tokyo?", { toolState: "output-available" });
  await shoot(encoder, phonePage, "phone");
  await phone.close();

  // The widget on a host page of another origin, answering from that page's context.
  const embed = await browser.newContext({ ...CONTEXT, viewport: DESKTOP, colorScheme: "light" });
  const hostTab = await embed.newPage();
  await hostTab.goto(`${HOST_PAGE_URL}/`);
  const frame = hostTab.frameLocator('iframe[title="Acme help"]');
  await frame.locator('[data-testid="embed"][data-ready="true"]').waitFor({ timeout: ANSWER_TIMEOUT });
  await ask(frame, "What is this page about?", { toolState: "output-available" });
  await shoot(encoder, hostTab, "embed");
  await embed.close();

  // The owner's usage page, charting the answers above.
  const owner = await browser.newContext({ ...CONTEXT, viewport: { width: 1280, height: 1280 }, colorScheme: "light" });
  const usagePage = await owner.newPage();
  await usagePage.goto(`${URL_BASE}/usage`);
  await usagePage.getByLabel("Password").fill(ADMIN_TOKEN);
  await usagePage.getByTestId("owner-sign-in-submit").click();
  await usagePage.locator('[data-testid="usage"] canvas').nth(5).waitFor({ timeout: ANSWER_TIMEOUT });
  await shoot(encoder, usagePage, "usage");
  await owner.close();

  await browser.close();
  const total = shots.reduce((sum, shot) => sum + shot.bytes, 0);
  console.log(`edge-chat: ${shots.length} screenshots, ${(total / 1024).toFixed(1)} KB in all, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  worker.stop();
  weather.closeAllConnections();
  weather.close();
  hostPage.closeAllConnections();
  hostPage.close();
}
