import { initOpenNextCloudflareForDev } from "@opennextjs/cloudflare";
import { join } from "node:path";
import { applyLocalMigrations, DEFAULT_STATE, localSessionSecret } from "./scripts/local-dev.mjs";
import { writeLocalWranglerConfig } from "./scripts/local-wrangler-config.mjs";

/** The chat's own chunks (its layout, a new chat, a stored chat): what they share, the chat page loads anyway. */
const CHAT_PAGES = new Set(["app/(app)/layout", "app/(app)/page", "app/(app)/chat/[id]/page"]);

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // `next dev` runs Turbopack as it comes; the webpack function below tunes the production build (`next build --webpack`).
  turbopack: {},
  // The browser's chunks, as the chat page and the widget load them (`npm run size`).
  webpack(config, { isServer }) {
    // Libraries the pages load only in the browser, from an effect (syntax highlighting, the usage charts): the worker
    // never runs them, so its bundle leaves them out (about 20 KB gzipped of the upload).
    if (isServer) config.resolve.alias = { ...config.resolve.alias, lowlight$: false, uplot$: false };
    const { splitChunks } = config.optimization;
    if (isServer || !splitChunks) return config;
    // Big libraries are not split into chunks of their own (Next's `lib` group): they come together, React DOM with
    // Next's router and the AI SDK with zod, and one file compresses better than three (2 KB less on either page).
    splitChunks.cacheGroups.lib = false;
    // The app's code that several pages (or a layout and its page) share goes into one chunk whatever its size: one
    // for what the embedded widget uses too (the conversation, the models, the icons), one for the rest of the chat's
    // (the sidebar's state, the app's header) and one for what only the other pages share. Left to webpack, shared code under 20 KB is copied into each page instead,
    // and the chat page, whose layout and page both use it, would load it twice.
    splitChunks.cacheGroups.shared = {
      test: /[\\/](components|lib)[\\/]/,
      chunks: "initial",
      minChunks: 2,
      minSize: 0,
      name: (module, chunks) => {
        const names = chunks.map((chunk) => chunk.name);
        if (names.includes("app/embed/page")) return "shared-chat";
        if (names.some((name) => CHAT_PAGES.has(name))) return "shared-app";
        // Shared by the other pages alone (the usage pages' sign-in, say): never in the chat's first load.
        return "shared-pages";
      },
    };
    // Likewise for what loads after the first paint: the answer's parts, the error banner and the dialogs share the
    // later icons and the copy button, which would otherwise come once in each of their chunks.
    splitChunks.cacheGroups.sharedLater = {
      test: /[\\/](components|lib)[\\/]/,
      chunks: "async",
      minChunks: 2,
      minSize: 0,
    };
    return config;
  },
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
