// Writes wrangler.local.toml: wrangler.toml without the [ai] block. The Workers AI binding is remote-only;
// declared in a local run it makes wrangler demand a Cloudflare login, so local runs leave it out and the app
// falls back to REST credentials or the offline demo model.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function writeLocalWranglerConfig() {
  const source = readFileSync(`${root}/wrangler.toml`, "utf8");
  const withoutAi = source.replace(/^\[ai\][^[]*/m, "");
  const path = `${root}/wrangler.local.toml`;
  writeFileSync(path, `# Generated from wrangler.toml by scripts/local-wrangler-config.mjs. Do not edit.\n${withoutAi}`);
  return path;
}
