import "server-only";
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { tokenUsage } from "./schema";

export type UsageStore = {
  /** Tokens spent so far on the UTC day of `now`. */
  spentOn(now: Date): Promise<number>;
  /** Adds tokens to the UTC day of `now`. */
  add(tokens: number, now: Date): Promise<void>;
};

/** YYYY-MM-DD of `now` in UTC: the budget's day. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** One visitor's daily token counts. */
export function usageFor(db: Database, ownerId: string): UsageStore {
  if (!ownerId) throw new Error("usageFor: ownerId is required");
  return {
    async spentOn(now) {
      const [row] = await db
        .select({ tokens: tokenUsage.tokens })
        .from(tokenUsage)
        .where(and(eq(tokenUsage.ownerId, ownerId), eq(tokenUsage.day, utcDay(now))));
      return row?.tokens ?? 0;
    },
    async add(tokens, now) {
      const amount = Math.max(0, Math.round(tokens));
      if (!amount) return;
      await db
        .insert(tokenUsage)
        .values({ ownerId, day: utcDay(now), tokens: amount })
        .onConflictDoUpdate({
          target: [tokenUsage.ownerId, tokenUsage.day],
          set: { tokens: sql`${tokenUsage.tokens} + ${amount}` },
        });
    },
  };
}
