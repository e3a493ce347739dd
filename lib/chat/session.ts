import "server-only";
import { getDb, type Database } from "@/lib/db/client";
import { readEnv, type AppEnv } from "@/lib/env";
import { identifyVisitor, sessionSecret } from "./identity";

export type Session = {
  env: AppEnv;
  /** Signs cookies and tool approvals. */
  secret: string;
  visitorId: string;
  db: Database;
  /** Adds the new visitor's cookie to a response (a no-op for a known visitor). */
  finish(response: Response): Response;
};

/** Who is asking and with what: configuration, the visitor (minted on first contact) and the database. */
export async function openSession(request: Request): Promise<Session> {
  const env = await readEnv();
  const secret = sessionSecret(env);
  const visitor = await identifyVisitor(request, secret);
  return {
    env,
    secret,
    visitorId: visitor.visitorId,
    db: await getDb(),
    finish(response) {
      if (visitor.setCookie) response.headers.append("set-cookie", visitor.setCookie);
      return response;
    },
  };
}
