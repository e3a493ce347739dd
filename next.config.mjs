import { initOpenNextCloudflareForDev } from "@opennextjs/cloudflare";
import { join } from "node:path";
import { applyLocalMigrations, DEFAULT_STATE, localSessionSecret } from "./scripts/local-dev.mjs";
import { writeLocalWranglerConfig } from "./scripts/local-wrangler-config.mjs";

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
};

// Emulate the worker's bindings in `next dev` only (guarded: it would start an emulator during builds too).
// The local config leaves out the remote-only Workers AI binding, so nothing needs a Cloudflare account.
// Like `npm start`: pending D1 migrations are applied to the local database first (a no-op stamp check when there
// are none), and the app gets the generated local SESSION_SECRET unless the shell sets one.
if (process.env.NODE_ENV === "development") {
  const configPath = writeLocalWranglerConfig();
  // PERSIST_TO, as for `npm start`: a state folder of its own (the e2e run keeps next dev's apart from the worker's).
  const persistTo = process.env.PERSIST_TO || DEFAULT_STATE;
  applyLocalMigrations({ configPath, persistTo });
  if (!process.env.SESSION_SECRET?.trim()) process.env.SESSION_SECRET = localSessionSecret();
  initOpenNextCloudflareForDev({ configPath, remoteBindings: false, persist: { path: join(persistTo, "v3") } });
}

export default nextConfig;
