import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { getDb, type Database } from "@/lib/db/client";
import { readEnv, type AppEnv } from "@/lib/env";
import { identifyVisitor, sessionSecret } from "./identity";

export type Session = {
  env: AppEnv;
  /** Signs cookies and tool approvals. */
  secret: string;
  visitorId: string;
  /** Identified by an embed token (app/embed): the server-side embed preset applies. */
  embedded: boolean;
  db: Database;
  /** Adds the new visitor's cookie to a response (a no-op for a known visitor). */
  finish(response: Response): Response;
  /** Keeps the worker alive until `task` settles, even after the response is closed (saving a stopped answer). */
  waitUntil(task: Promise<unknown>): void;
};

function waitUntil(task: Promise<unknown>): void {
  try {
    getCloudflareContext().ctx.waitUntil(task);
  } catch {
    // No worker context (plain Node): the task simply runs on.
  }
}

/** Who is asking and with what: configuration, the visitor (minted on first contact) and the database. */
export async function openSession(request: Request): Promise<Session> {
  const env = await readEnv();
  const secret = sessionSecret(env);
  const visitor = await identifyVisitor(request, secret);
  return {
    env,
    secret,
    visitorId: visitor.visitorId,
    embedded: visitor.embedded ?? false,
    db: await getDb(),
    finish(response) {
      if (visitor.setCookie) response.headers.append("set-cookie", visitor.setCookie);
      return response;
    },
    waitUntil,
  };
}
