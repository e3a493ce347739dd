// Writes wrangler.local.toml: wrangler.toml without the [ai] block. The Workers AI binding is remote-only;
// declared in a local run it makes wrangler demand a Cloudflare login, so local runs leave it out and the app
// falls back to REST credentials or the offline demo model.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function writeLocalWranglerConfig() {
  const source = readFileSync(`${root}/wrangler.toml`, "utf8");
  const withoutAi = source.replace(/^\[ai\][^[]*/m, "");
  const path = `${root}/wrangler.local.toml`;
  const content = `# Generated from wrangler.toml by scripts/local-wrangler-config.mjs. Do not edit.\n${withoutAi}`;
  // Only when it changed: a running `wrangler dev` reloads when its config is written, dropping open streams.
  if (!existsSync(path) || readFileSync(path, "utf8") !== content) writeFileSync(path, content);
  return path;
}
