/**
 * The D1 schema (SQLite). Table names are plural nouns, columns snake_case, every row carries `owner_id` (the
 * anonymous visitor id from lib/chat/identity.ts), timestamps are integer epoch milliseconds. `chats` and `messages`
 * follow the same pattern later.
 *
 * After a change: `npm run db:generate` writes a new SQL migration to lib/db/migrations/ (commit it); local runs apply
 * it automatically, deployed databases with `npx wrangler d1 migrations apply DB --remote`.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const notes = sqliteTable(
  "notes",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("notes_owner_created_idx").on(table.ownerId, table.createdAt)],
);

export type NoteRow = typeof notes.$inferSelect;
