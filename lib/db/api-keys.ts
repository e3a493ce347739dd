import "server-only";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { apiKeys, tokenUsage, type ApiKeyRow } from "./schema";
import { utcDay } from "./usage";

/** What the owner sees of a key: never the key or its digest. `tokensToday`: what it spent this UTC day. */
export type ApiKeySummary = Pick<ApiKeyRow, "id" | "name" | "preview"> & { createdAt: string; tokensToday: number };

/** A key's entry in the token ledger (lib/db/usage.ts): its budget and its usage. */
const LEDGER_PREFIX = "key:";
export const keyLedgerId = (digest: string) => `${LEDGER_PREFIX}${digest}`;

/** How many keys one visitor may hold. */
export const MAX_KEYS_PER_VISITOR = 10;

function toSummary(row: ApiKeyRow, tokensToday = 0): ApiKeySummary {
  return { id: row.id, name: row.name, preview: row.preview, createdAt: row.createdAt.toISOString(), tokensToday };
}

/** One visitor's API keys (lib/api/keys.ts makes and checks them). */
export function apiKeysFor(db: Database, ownerId: string) {
  const owned = (id: string) => and(eq(apiKeys.id, id), eq(apiKeys.ownerId, ownerId));
  return {
    async list(): Promise<ApiKeySummary[]> {
      const rows = await db
        .select({ key: apiKeys, tokens: tokenUsage.tokens })
        .from(apiKeys)
        .leftJoin(tokenUsage, and(eq(tokenUsage.ownerId, sql`${LEDGER_PREFIX} || ${apiKeys.digest}`), eq(tokenUsage.day, utcDay(new Date()))))
        .where(eq(apiKeys.ownerId, ownerId))
        .orderBy(desc(apiKeys.createdAt));
      return rows.map(({ key, tokens }) => toSummary(key, tokens ?? 0));
    },

    async add(key: { name: string; digest: string; preview: string }): Promise<ApiKeySummary> {
      const [row] = await db
        .insert(apiKeys)
        .values({ id: crypto.randomUUID(), ownerId, ...key, createdAt: new Date() })
        .returning();
      return toSummary(row);
    },

    async count(): Promise<number> {
      return (await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.ownerId, ownerId))).length;
    },

    /** False: no such key of this visitor. */
    async remove(id: string): Promise<boolean> {
      return (await db.delete(apiKeys).where(owned(id)).returning({ id: apiKeys.id })).length > 0;
    },
  };
}

/** The visitor a key digest belongs to, if a visitor made it. */
export async function apiKeyOwner(db: Database, digest: string): Promise<string | undefined> {
  const row = await db.select({ ownerId: apiKeys.ownerId }).from(apiKeys).where(eq(apiKeys.digest, digest)).get();
  return row?.ownerId;
}
