import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { embedVisitors } from "./schema";

/** The current embed token version of a visitor: 0 until their tokens are first revoked. */
export async function embedTokenVersion(db: Database, visitorId: string): Promise<number> {
  const row = await db
    .select({ version: embedVisitors.tokenVersion })
    .from(embedVisitors)
    .where(eq(embedVisitors.ownerId, visitorId))
    .get();
  return row?.version ?? 0;
}

/** Revokes every embed token of a visitor issued so far; returns the new version. */
export async function revokeEmbedTokens(db: Database, visitorId: string): Promise<number> {
  const [row] = await db
    .insert(embedVisitors)
    .values({ ownerId: visitorId, tokenVersion: 1 })
    .onConflictDoUpdate({ target: embedVisitors.ownerId, set: { tokenVersion: sql`${embedVisitors.tokenVersion} + 1` } })
    .returning({ version: embedVisitors.tokenVersion });
  return row.version;
}
