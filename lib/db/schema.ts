/**
 * The D1 schema (SQLite). Table names are plural nouns, columns snake_case, every row carries `owner_id` (the
 * anonymous visitor id from lib/chat/identity.ts) or belongs to a row that does, timestamps are integer epoch
 * milliseconds.
 *
 * After a change: `npm run db:generate` writes a new SQL migration to lib/db/migrations/ (commit it); local runs apply
 * it automatically, deployed databases with `npx wrangler d1 migrations apply DB --remote`.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { LanguageModelUsage } from "ai";
import { ANSWER_STATUSES, SURFACES } from "@/lib/metrics/usage-report";

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

export const chats = sqliteTable(
  "chats",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    title: text("title"),
    model: text("model"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("chats_owner_updated_idx").on(table.ownerId, table.updatedAt)],
);

/** `interrupted`: the answer stopped because its server went away (a restart); kept as far as it got. */
export const MESSAGE_STATUSES = ["streaming", "complete", "stopped", "error", "interrupted"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * Messages of chats from before each conversation had its own Durable Object (lib/chat/conversation-core.ts keeps
 * them now): a chat's first use imports its rows there and deletes them here (lib/db/legacy-messages.ts).
 */
export const messages = sqliteTable(
  "messages",
  {
    /** The client's message id, unique within its chat. */
    id: text("id").notNull(),
    chatId: text("chat_id")
      .notNull()
      .references(() => chats.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["user", "assistant"] }).notNull(),
    /** The UI message parts (ChatMessage["parts"]) as JSON. */
    parts: text("parts", { mode: "json" }).notNull().$type<unknown[]>(),
    status: text("status", { enum: MESSAGE_STATUSES }).notNull(),
    usage: text("usage", { mode: "json" }).$type<LanguageModelUsage>(),
    model: text("model"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.chatId, table.id] }),
    index("messages_chat_created_idx").on(table.chatId, table.createdAt),
  ],
);

export type ChatRow = typeof chats.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

/**
 * Tokens each visitor spent per UTC day (input + output, all of their chats), for the daily budget
 * (lib/chat/limits.ts). Kept apart from the messages, so deleting a chat does not give its tokens back.
 */
export const tokenUsage = sqliteTable(
  "token_usage",
  {
    ownerId: text("owner_id").notNull(),
    /** The UTC day, YYYY-MM-DD. */
    day: text("day").notNull(),
    tokens: integer("tokens").notNull(),
  },
  (table) => [primaryKey({ columns: [table.ownerId, table.day] })],
);

/**
 * Embedded-widget visitors whose tokens were revoked: a token carries the version it was minted with, and only the
 * current one is accepted (lib/chat/identity.ts). No row: version 0, nothing revoked.
 */
export const embedVisitors = sqliteTable("embed_visitors", {
  ownerId: text("owner_id").primaryKey(),
  tokenVersion: integer("token_version").notNull(),
});

/**
 * "Open in edge-chat" codes (lib/embed/handoff.ts): single use, short-lived, for one chat of the widget's visitor.
 * Only a hash of the code is stored, so the table cannot be read back into working links.
 */
export const handoffCodes = sqliteTable("handoff_codes", {
  codeHash: text("code_hash").primaryKey(),
  ownerId: text("owner_id").notNull(),
  chatId: text("chat_id").notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Keys of the OpenAI-compatible API a visitor made on /settings/keys (lib/db/api-keys.ts). Only the key's SHA-256
 * digest is stored (the key is shown once), with its first characters so the owner can tell keys apart.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    name: text("name").notNull(),
    /** Lowercase hex SHA-256 of the key string. */
    digest: text("digest").notNull().unique(),
    /** The key's first characters, e.g. `ec_3f9a…`. */
    preview: text("preview").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [index("api_keys_owner_idx").on(table.ownerId, table.createdAt)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * One row per answer (lib/metrics/): what the usage page (/usage) charts when Analytics Engine's SQL API is not
 * configured. Not owned by a visitor: `visitor` is a keyed hash, for counting, never for finding one.
 */
export const answerMetrics = sqliteTable(
  "answer_metrics",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** When the answer started. */
    at: integer("at").notNull(),
    surface: text("surface", { enum: SURFACES }).notNull(),
    visitor: text("visitor").notNull(),
    /** The model that answered (`provider:model`), and the one asked first when that was another. */
    model: text("model").notNull(),
    provider: text("provider").notNull(),
    fallbackFrom: text("fallback_from"),
    status: text("status", { enum: ANSWER_STATUSES }).notNull(),
    /** Null: no token arrived (an error or a stop before the first one). */
    ttftMs: integer("ttft_ms"),
    durationMs: integer("duration_ms").notNull(),
    tokensPerSecond: real("tokens_per_second"),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    toolCalls: integer("tool_calls").notNull(),
    retries: integer("retries").notNull(),
    cacheHit: integer("cache_hit", { mode: "boolean" }).notNull(),
    /** US dollars, from the price table (lib/metrics/prices.ts); null: the model has no price. */
    costUsd: real("cost_usd"),
  },
  (table) => [index("answer_metrics_at_idx").on(table.at)],
);

export type AnswerMetricRow = typeof answerMetrics.$inferSelect;
