// No secret in the client bundle: scans what the browser downloads (.open-next/assets: the client JS, CSS, HTML and
// prerendered data) for
// - the values of the secrets this run knows: the e2e fake key (tests/support/e2e-env.ts), the e2e SESSION_SECRET
//   (playwright.config.ts), and OPENAI_API_KEY, CLOUDFLARE_API_TOKEN, SESSION_SECRET (and any *_KEY, *_TOKEN,
//   *_SECRET, *_PASSWORD variable) when set in the environment, and the local .wrangler/session-secret;
// - key-shaped strings: OpenAI and Anthropic (sk-…), Google (AIza…), GitHub, AWS, Slack, private key blocks, and
//   long hex/base64 tokens right after a word like key/token/secret/password.
// Fails with the file and byte offset of every hit (the secret's value is never printed, only its name).
// Run by scripts/test.mjs right after the worker build; `node scripts/check-client-bundle.mjs [dir]` scans another
// directory.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = resolve(process.argv[2] ?? join(root, ".open-next", "assets"));

/** Files that are not text (images, fonts, archives): skipped. */
const BINARY = /\.(png|jpe?g|gif|webp|avif|ico|woff2?|ttf|otf|eot|wasm|gz|br|zip|mp4|webm|pdf)$/i;

function knownSecrets() {
  const secrets = new Map(); // value → name
  const add = (name, value) => {
    if (typeof value === "string" && value.trim().length >= 8) secrets.set(value.trim(), name);
  };
  const fromSource = (file, pattern, name) => {
    try {
      const match = pattern.exec(readFileSync(join(root, file), "utf8"));
      if (match) add(name, match[1]);
    } catch {
      /* absent */
    }
  };
  fromSource("tests/support/e2e-env.ts", /FAKE_API_KEY\s*=\s*"([^"]+)"/, "FAKE_API_KEY (tests/support/e2e-env.ts)");
  fromSource("playwright.config.ts", /SESSION_SECRET:\s*"([^"]+)"/, "SESSION_SECRET (playwright.config.ts)");
  fromSource(".wrangler/session-secret", /^(.+)$/m, "the local SESSION_SECRET (.wrangler/session-secret)");
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OPENAI_API_KEY|CLOUDFLARE_API_TOKEN|SESSION_SECRET)$|_(KEY|TOKEN|SECRET|PASSWORD)$/.test(name)) add(`$${name}`, value);
  }
  return secrets;
}

/** Key-shaped strings, each with a name for the report. */
const SHAPES = [
  ["an OpenAI-style key (sk-…)", /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g],
  ["a Google API key (AIza…)", /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ["a GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g],
  ["an AWS access key id", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["a Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ["a private key block", /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/g],
  ["a bearer token", /\bBearer\s+[A-Za-z0-9._~+/-]{24,}=*/g],
  [
    "a long token next to key/token/secret/password",
    /(?:api[_-]?key|secret|token|password|passwd|credential|auth)[A-Za-z_]*["'`]?\s*[:=]\s*["'`]([A-Fa-f0-9]{32,}|[A-Za-z0-9+/_-]{32,}={0,2})["'`]/gi,
  ],
];

function* files(path) {
  for (const entry of readdirSync(path)) {
    const full = join(path, entry);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (!BINARY.test(entry)) yield full;
  }
}

/** Byte offset of a string index in the file's UTF-8 text. */
const byteOffset = (text, index) => Buffer.byteLength(text.slice(0, index), "utf8");

export function scan(directory) {
  const secrets = knownSecrets();
  const findings = [];
  let scanned = 0;
  for (const file of files(directory)) {
    const text = readFileSync(file, "utf8");
    scanned++;
    const where = relative(root, file) || file;
    for (const [value, name] of secrets) {
      for (let index = text.indexOf(value); index >= 0; index = text.indexOf(value, index + 1)) {
        findings.push(`${where}:${byteOffset(text, index)}: the value of ${name}`);
      }
    }
    for (const [name, pattern] of SHAPES) {
      for (const match of text.matchAll(pattern)) {
        const shown = match[0].slice(0, 12).replace(/[\r\n]/g, " ");
        findings.push(`${where}:${byteOffset(text, match.index)}: ${name} (starts ${JSON.stringify(shown)}…)`);
      }
    }
  }
  return { findings, scanned, secrets: secrets.size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(dir)) {
    console.error(`check-client-bundle: ${dir} does not exist; build the worker first (npm run build:worker).`);
    process.exit(1);
  }
  const { findings, scanned, secrets } = scan(dir);
  if (findings.length > 0) {
    console.error(`✗ check-client-bundle: ${findings.length} possible secret(s) in the client bundle (${relative(root, dir) || dir}):`);
    for (const finding of findings) console.error(`  ${finding}`);
    process.exit(1);
  }
  console.log(`✓ check-client-bundle: ${scanned} files in ${relative(root, dir) || dir}, no secret value (${secrets} known) and nothing key-shaped.`);
}
