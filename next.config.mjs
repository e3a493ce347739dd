import { initOpenNextCloudflareForDev } from "@opennextjs/cloudflare";
import { applyLocalMigrations, localSessionSecret } from "./scripts/local-dev.mjs";
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
  applyLocalMigrations({ configPath });
  if (!process.env.SESSION_SECRET?.trim()) process.env.SESSION_SECRET = localSessionSecret();
  initOpenNextCloudflareForDev({ configPath, remoteBindings: false });
}

export default nextConfig;
