import { initOpenNextCloudflareForDev } from "@opennextjs/cloudflare";
import { writeLocalWranglerConfig } from "./scripts/local-wrangler-config.mjs";

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
};

// Emulate the worker's bindings in `next dev` only (guarded: it would start an emulator during builds too).
// The local config leaves out the remote-only Workers AI binding, so nothing needs a Cloudflare account.
if (process.env.NODE_ENV === "development") {
  initOpenNextCloudflareForDev({ configPath: writeLocalWranglerConfig(), remoteBindings: false });
}

export default nextConfig;
