import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("./", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${root}` },
      // `server-only` throws outside React Server Components; in tests it is a no-op.
      { find: /^server-only$/, replacement: `${root}tests/support/empty.ts` },
      // The worker entry's import of the OpenNext build (lib/worker.ts), which tests do not build.
      { find: /^\.\.\/\.open-next\/worker\.js$/, replacement: `${root}tests/support/open-next-worker.ts` },
    ],
  },
  test: {
    environment: "node",
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    exclude: ["tests/e2e/**", "node_modules/**"],
    // OpenNext's Cloudflare context with a real local D1 (started on a file's first query) and a SESSION_SECRET.
    setupFiles: ["tests/support/cloudflare-context.ts"],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Tests mutate process.env; each file runs in its own worker, tests inside a file run in order.
    sequence: { concurrent: false },
  },
});
