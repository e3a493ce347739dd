/**
 * Shared settings of the end-to-end run: ports, the fake upstream's fixed answer and its control markers.
 * Imported by playwright.config.ts, the fake upstream launcher and the specs, so they cannot drift apart.
 * Ports sit in an unusual range so a developer's `npm start` (3000) or `next dev` keeps running beside a test run;
 * each can be moved with an environment variable.
 */
import { HOSTILE_FOREIGN_HOST, hostileMarkdown } from "../../lib/ai/providers/demo-hostile";

const port = (name: string, fallback: number) => Number(process.env[name] || fallback);

export const E2E_HOST = "127.0.0.1";
/** The production worker in local workerd (`wrangler dev --local`, via scripts/start.mjs). */
export const WORKER_PORT = port("E2E_WORKER_PORT", 3211);
/** `next dev`, for the one smoke test of the dev server. */
export const DEV_PORT = port("E2E_DEV_PORT", 3212);
/** The fake OpenAI-compatible upstream the worker's `openai:*` models talk to. */
export const UPSTREAM_PORT = port("E2E_UPSTREAM_PORT", 3213);
/** workerd's inspector, moved off wrangler's default 9229 so it does not clash with a developer's wrangler. */
export const INSPECTOR_PORT = port("E2E_INSPECTOR_PORT", 9341);

/** A second worker the security spec starts by itself, with settings of its own (tests/support/e2e-worker.ts). */
export const STRICT_WORKER_PORT = port("E2E_STRICT_WORKER_PORT", 3216);
export const STRICT_INSPECTOR_PORT = port("E2E_STRICT_INSPECTOR_PORT", 9342);
/** A worker the conversation spec stops and starts again mid-answer (a runtime restart). */
export const RESTART_WORKER_PORT = port("E2E_RESTART_WORKER_PORT", 3217);
export const RESTART_INSPECTOR_PORT = port("E2E_RESTART_INSPECTOR_PORT", 9343);
/** A worker the API spec starts with a tiny per-key budget (a 429 through the openai package). */
export const BUDGET_WORKER_PORT = port("E2E_BUDGET_WORKER_PORT", 3218);
export const BUDGET_INSPECTOR_PORT = port("E2E_BUDGET_INSPECTOR_PORT", 9344);
/** A worker the embed spec starts with the widget's shared answers on (EMBED_CACHE_TTL). */
export const EMBED_CACHE_WORKER_PORT = port("E2E_EMBED_CACHE_WORKER_PORT", 3219);
export const EMBED_CACHE_INSPECTOR_PORT = port("E2E_EMBED_CACHE_INSPECTOR_PORT", 9345);
/** A worker the owner spec starts with ADMIN_TOKEN and Cloudflare Access (against a local key set) configured. */
export const OWNER_WORKER_PORT = port("E2E_OWNER_WORKER_PORT", 3220);
export const OWNER_INSPECTOR_PORT = port("E2E_OWNER_INSPECTOR_PORT", 9346);
/** A worker the live streams spec starts with ADMIN_TOKEN and the fake upstream (/usage/live). */
export const LIVE_WORKER_PORT = port("E2E_LIVE_WORKER_PORT", 3221);
export const LIVE_INSPECTOR_PORT = port("E2E_LIVE_INSPECTOR_PORT", 9347);
/** A worker the models spec starts with a fallback chain and models of known capabilities (tests/e2e/models.spec.ts). */
export const MODELS_WORKER_PORT = port("E2E_MODELS_WORKER_PORT", 3222);
export const MODELS_INSPECTOR_PORT = port("E2E_MODELS_INSPECTOR_PORT", 9348);

/** The e2e worker's SESSION_SECRET (a test may sign with it, as an attacker who stole it could). */
export const E2E_SESSION_SECRET = "e2e-session-secret-not-for-production";

/** A host page on another origin that is in EMBED_ALLOWED_ORIGINS (tests/support/e2e-host-page.ts). */
export const HOST_PAGE_PORT = port("E2E_HOST_PAGE_PORT", 3214);
/** The same host page on an origin that is not allowed. */
export const FOREIGN_PAGE_PORT = port("E2E_FOREIGN_PAGE_PORT", 3215);

export const WORKER_URL = `http://${E2E_HOST}:${WORKER_PORT}`;
export const HOST_PAGE_URL = `http://${E2E_HOST}:${HOST_PAGE_PORT}`;
export const FOREIGN_PAGE_URL = `http://${E2E_HOST}:${FOREIGN_PAGE_PORT}`;
export const DEV_URL = `http://${E2E_HOST}:${DEV_PORT}`;
export const UPSTREAM_URL = `http://${E2E_HOST}:${UPSTREAM_PORT}`;

/**
 * The key the worker sends upstream. Distinctive on purpose: the specs assert it never reaches the page.
 * Not a secret: the fake upstream accepts any key.
 */
export const FAKE_API_KEY = "sk-e2e-fake-key-7f3c91";
/** The one model the fake upstream serves; the picker offers it as `openai:gpt-fake`. */
export const FAKE_MODEL = "gpt-fake";
export const FAKE_MODEL_ID = `openai:${FAKE_MODEL}`;
export const DEMO_MODEL_ID = "demo:offline";

/** The fake upstream's answer to any prompt, sent as these Chat Completions deltas. */
export const FAKE_ANSWER_DELTAS = [
  "Hello ",
  "from ",
  "the ",
  "fake ",
  "upstream. ",
  "This ",
  "answer ",
  "streamed ",
  "through ",
  "the ",
  "worker ",
  "in ",
  "small ",
  "pieces.",
];
export const FAKE_ANSWER = FAKE_ANSWER_DELTAS.join("");
/** Pause between the fake's deltas. */
export const FAKE_DELTA_DELAY_MS = 40;

/**
 * A prompt containing this fails its first attempt with HTTP 500 and succeeds on the next one (so Retry succeeds).
 * One attempt is FAIL_ONCE_REQUESTS upstream requests: the request itself plus the AI SDK's automatic retries
 * (streamText's `maxRetries` defaults to 2; the fake sends `retry-after-ms: 0` so they come at once).
 */
export const FAIL_ONCE_MARKER = "[fail-once]";
export const FAIL_ONCE_REQUESTS = port("E2E_FAIL_ONCE_REQUESTS", 3);
/** A prompt containing this fails every attempt with HTTP 500 (for the fallback chain, MODEL_FALLBACKS). */
export const FAIL_ALWAYS_MARKER = "[fail-always]";
/** A prompt containing this gets a long, slow answer (for Stop). */
export const SLOW_MARKER = "[slow]";

/** What the fake upstream records per request, served at `${UPSTREAM_URL}/__e2e/log`. */
export type UpstreamLogEntry = {
  index: number;
  path: string;
  model: string | undefined;
  /** The last user message's text. */
  prompt: string;
  authorization: string | undefined;
  status: number;
  /** True when the client (the worker) closed the connection before the answer was complete. */
  closedEarly: boolean;
};

/** A prompt containing this gets HOSTILE_MARKDOWN as its answer (tests/e2e/render-safety.spec.ts). */
export const HOSTILE_MARKER = "[hostile]";

/**
 * A prompt containing TOOL_CALL_MARKER gets a call of the caller's function `get_weather` with `{"city": "Paris"}`
 * (its arguments split over three chunks); once the conversation holds a tool result, the answer below.
 */
export const TOOL_CALL_MARKER = "[tool-call]";
export const TOOL_CALL_ARG_CHUNKS = ['{"ci', 'ty": "Par', 'is"}'];
export const AFTER_TOOL_ANSWER = ["The weather ", "in Paris ", "is sunny."];

/** A prompt containing DROP_MARKER: the connection drops after the first DROP_AFTER_DELTAS deltas of the fake answer. */
export const DROP_MARKER = "[drop]";
export const DROP_AFTER_DELTAS = 3;

/** The OpenAI-compatible API's keys in the e2e worker (their SHA-256 digests are in API_KEYS there). */
export const E2E_API_KEY = "ec_e2e-api-key-not-for-production";
export const E2E_SECOND_API_KEY = "ec_e2e-second-api-key";
/** The API's answer cache lives this long in the e2e worker (RESPONSE_CACHE_TTL). */
export const E2E_CACHE_TTL_SECONDS = 2;
/** The host in HOSTILE_MARKDOWN that nothing in the page may ever ask for anything. */
export const FOREIGN_HOST = HOSTILE_FOREIGN_HOST;
/** The demo model's hostile answer (lib/ai/providers/demo-hostile.ts), its pixel on another origin of this machine. */
export const HOSTILE_MARKDOWN = hostileMarkdown(UPSTREAM_URL);
/** HOSTILE_MARKDOWN as the fake's deltas: small pieces, so tags and links are split across chunks. */
export const HOSTILE_DELTAS = HOSTILE_MARKDOWN.match(/[\s\S]{1,24}/g) ?? [];
