import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { getDb, type Database } from "@/lib/db/client";
import { embedTokenVersion } from "@/lib/db/embed-visitors";
import { readEnv, type AppEnv } from "@/lib/env";
import { identifyVisitor, sessionSecret } from "./identity";
import { clientIp, enforceNewVisitorLimit } from "./limits";

export type Session = {
  env: AppEnv;
  /** Signs cookies, embed tokens and tool approvals. */
  secret: string;
  visitorId: string;
  /** Identified by an embed token (app/embed): the server-side embed preset applies. */
  embedded: boolean;
  db: Database;
  /**
   * Makes a new visitor (no cookie, no token) a lasting one, within the per-IP limit on new identities: their cookie
   * goes out with the response. Called only where something is stored; until then a new visitor owns nothing.
   */
  mint(): Promise<void>;
  /** Adds the visitor's cookie to a response: a minted visitor's, or a returning one's with its expiry renewed. */
  finish(response: Response): Response;
  /** Keeps the worker alive until `task` settles, even after the response is closed (saving a stopped answer). */
  waitUntil(task: Promise<unknown>): void;
};

/** Keeps the worker alive until `task` settles, after the response (plain Node: it simply runs on). */
export function waitUntil(task: Promise<unknown>): void {
  try {
    getCloudflareContext().ctx.waitUntil(task);
  } catch {
    // No worker context (plain Node): the task simply runs on.
  }
}

/**
 * `waitUntil` bound to the current request's context, for work that starts later in a stream's callbacks, where the
 * request's context is out of reach (the plain `waitUntil` would then keep nothing alive).
 */
export function waitUntilOfThisRequest(): (task: Promise<unknown>) => void {
  try {
    const { ctx } = getCloudflareContext();
    return (task) => ctx.waitUntil(task);
  } catch {
    return () => {};
  }
}

/** Who is asking and with what: configuration, the visitor and the database. */
export async function openSession(request: Request): Promise<Session> {
  const env = await readEnv();
  const secret = sessionSecret(env);
  const db = await getDb();
  const visitor = await identifyVisitor(request, { secret, tokenVersion: (id) => embedTokenVersion(db, id) });
  let setCookie = visitor.isNew ? undefined : visitor.setCookie;
  return {
    env,
    secret,
    visitorId: visitor.visitorId,
    embedded: visitor.embedded,
    db,
    async mint() {
      if (!visitor.isNew || setCookie) return;
      await enforceNewVisitorLimit(clientIp(request));
      setCookie = visitor.setCookie;
    },
    finish(response) {
      if (setCookie) response.headers.append("set-cookie", setCookie);
      return response;
    },
    waitUntil,
  };
}
