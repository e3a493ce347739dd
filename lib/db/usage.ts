import "server-only";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { tokenUsage } from "./schema";

/** YYYY-MM-DD of `now` in UTC: the budget's day. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Tokens spent per key and UTC day, for the daily budgets (lib/chat/limits.ts). A key is a visitor id, or `ip:<hash>`
 * for a client address.
 */
export function tokenLedger(db: Database) {
  return {
    async spentOn(key: string, now: Date): Promise<number> {
      const [row] = await db
        .select({ tokens: tokenUsage.tokens })
        .from(tokenUsage)
        .where(and(eq(tokenUsage.ownerId, key), eq(tokenUsage.day, utcDay(now))));
      return row?.tokens ?? 0;
    },

    /**
     * Adds `tokens` to the day's count only if it stays within `limit`: one statement, so turns that run at the same
     * time cannot all pass on the same remainder. False: nothing was added.
     */
    async tryAdd(key: string, tokens: number, limit: number, now: Date): Promise<boolean> {
      const [added] = await this.tryAddAll([{ key, tokens, limit }], now);
      return added;
    },

    /** `tryAdd` for several keys in one round trip (one batch); each is added or not on its own. */
    async tryAddAll(entries: { key: string; tokens: number; limit: number }[], now: Date): Promise<boolean[]> {
      const statements = entries.map(({ key, tokens, limit }) => {
        const amount = Math.max(0, Math.ceil(tokens));
        return db
          .insert(tokenUsage)
          .values({ ownerId: key, day: utcDay(now), tokens: amount })
          .onConflictDoUpdate({
            target: [tokenUsage.ownerId, tokenUsage.day],
            set: { tokens: sql`${tokenUsage.tokens} + ${amount}` },
            // A new row is not checked by setWhere: a single amount over the limit never gets this far (below).
            setWhere: sql`${tokenUsage.tokens} + ${amount} <= ${limit}`,
          })
          .returning({ tokens: tokenUsage.tokens });
      });
      const fitting = entries.map(({ tokens, limit }) => Math.max(0, Math.ceil(tokens)) <= limit);
      const run = statements.filter((_, index) => fitting[index]);
      if (run.length === 0) return fitting;
      const results = await db.batch(run as [(typeof run)[number], ...(typeof run)[number][]]);
      let next = 0;
      return fitting.map((fits) => fits && results[next++].length > 0);
    },

    /** Adds tokens to the day's count, or with a negative amount gives some back (never below zero). */
    async add(key: string, tokens: number, now: Date): Promise<void> {
      const amount = Math.round(tokens);
      if (!amount) return;
      await db
        .insert(tokenUsage)
        .values({ ownerId: key, day: utcDay(now), tokens: Math.max(0, amount) })
        .onConflictDoUpdate({
          target: [tokenUsage.ownerId, tokenUsage.day],
          set: { tokens: sql`max(0, ${tokenUsage.tokens} + ${amount})` },
        });
    },
  };
}

export type TokenLedger = ReturnType<typeof tokenLedger>;
