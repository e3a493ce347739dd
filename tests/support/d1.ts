/**
 * The real local D1 (workerd, through wrangler's getPlatformProxy) for vitest: never a mock. Each test file that
 * queries the database gets its own empty database in a temporary directory, with lib/db/migrations applied.
 * tests/support/cloudflare-context.ts installs it as the `DB` binding of OpenNext's Cloudflare context, so `getDb()`
 * and route handlers work unchanged.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const MIGRATIONS_DIR = join(root, "lib", "db", "migrations");

export type LocalD1 = { db: D1Database; env: Record<string, unknown>; dispose(): Promise<void> };

/**
 * Starts workerd with the bindings of wrangler.toml (minus Workers AI and the Durable Object) persisted in a fresh
 * temporary directory, and applies the migrations. About 3 s (most of it importing wrangler).
 */
export async function startLocalD1(): Promise<LocalD1> {
  const dir = mkdtempSync(join(tmpdir(), "edge-chat-d1-"));
  const configPath = join(dir, "wrangler.toml");
  // Without the remote-only AI binding, and without the Durable Object: its class lives in the worker's entry, which
  // this proxy does not load (workerd would log "no such Durable Object class" into tests that watch console.error).
  const config = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace(/^\[ai\][^[]*/m, "")
    .replace(/^\[\[(durable_objects\.bindings|migrations)\]\][\s\S]*?(?=^\[|(?![\s\S]))/gm, "");
  writeFileSync(configPath, config);
  try {
    const { getPlatformProxy } = await import("wrangler");
    const proxy = await getPlatformProxy<{ DB: D1Database }>({
      configPath,
      persist: { path: join(dir, "state") },
      remoteBindings: false,
      envFiles: [],
    });
    const dispose = async () => {
      await proxy.dispose();
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await applyMigrations(proxy.env.DB);
    } catch (error) {
      await dispose();
      throw error;
    }
    return { db: proxy.env.DB, env: proxy.env, dispose };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Applies lib/db/migrations in order, one batch (one transaction) per file, recorded in `d1_migrations` like
 * `wrangler d1 migrations apply` does. Statements are split on drizzle-kit's `--> statement-breakpoint` markers.
 */
export async function applyMigrations(db: D1Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .run();
  const done = new Set((await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((row) => row.name));
  const applied: string[] = [];
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".sql")).sort()) {
    if (done.has(name)) continue;
    const statements = readFileSync(join(dir, name), "utf8")
      .split("--> statement-breakpoint")
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch([...statements.map((statement) => db.prepare(statement)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name)]);
    applied.push(name);
  }
  return applied;
}

/**
 * A D1Database that starts the real one on first use, so test files that never query the database (most of them:
 * the chat route calls getDb() on every request, but only the notes tools query it) do not pay for workerd.
 * Supports what Drizzle's D1 driver uses: prepare → bind → all / raw / run / first, batch, exec.
 */
export function lazyD1(start: () => Promise<D1Database>): D1Database {
  let real: Promise<D1Database> | undefined;
  const database = () => (real ??= start());

  class LazyStatement {
    constructor(
      readonly query: string,
      readonly params: unknown[] = [],
    ) {}
    bind(...params: unknown[]) {
      return new LazyStatement(this.query, params);
    }
    resolve(db: D1Database): D1PreparedStatement {
      const statement = db.prepare(this.query);
      return this.params.length ? statement.bind(...this.params) : statement;
    }
    async first(column?: string) {
      const statement = this.resolve(await database());
      return column === undefined ? statement.first() : statement.first(column);
    }
    async run() {
      return this.resolve(await database()).run();
    }
    async all() {
      return this.resolve(await database()).all();
    }
    async raw(options?: { columnNames?: boolean }) {
      const statement = this.resolve(await database());
      return options?.columnNames ? statement.raw({ columnNames: true }) : statement.raw();
    }
  }

  const unsupported = (name: string) => () => {
    throw new Error(`The lazy test D1 binding does not support ${name}(); use startLocalD1() from tests/support/d1.ts.`);
  };

  const lazy = {
    prepare: (query: string) => new LazyStatement(query),
    async batch(statements: LazyStatement[]) {
      const db = await database();
      return db.batch(statements.map((statement) => statement.resolve(db)));
    },
    async exec(query: string) {
      return (await database()).exec(query);
    },
    withSession: unsupported("withSession"),
    dump: unsupported("dump"),
  };
  return lazy as unknown as D1Database;
}
