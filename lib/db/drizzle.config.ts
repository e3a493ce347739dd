// drizzle-kit configuration (only `generate` is used: migrations are applied by wrangler, see lib/db/schema.ts).
// Paths are relative to the project root, where `npm run db:generate` runs.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./lib/db/schema.ts",
  out: "./lib/db/migrations",
});
