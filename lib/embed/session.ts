import "server-only";
import { embedToken, sessionSecret, validEmbedToken, type EmbedTokenClaims } from "@/lib/chat/identity";
import { clientIp, enforceIpRateLimit, enforceNewVisitorLimit } from "@/lib/chat/limits";
import { getDb } from "@/lib/db/client";
import { embedTokenVersion, revokeEmbedTokens } from "@/lib/db/embed-visitors";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { EMBED_TOKEN_HEADER, fromOwnPage, isAllowedOrigin, parseAllowedOrigins } from "./origins";

export type EmbedSessionResponse = { token: string };

/**
 * Embed tokens are for the widget (this app's /embed page, framed by an allowed host) and for an allowed host's own
 * UI, so only those may ask for one: a browser always sends Origin with a POST. Never from the app's cookie: a token
 * is readable by page scripts, the cookie is not.
 */
async function checkCaller(request: Request): Promise<void> {
  const allowed = parseAllowedOrigins((await readEnv()).EMBED_ALLOWED_ORIGINS);
  if (allowed.length === 0) throw new AppError("forbidden:embed", "This site does not allow embedding its chat.");
  if (!fromOwnPage(request) && !isAllowedOrigin(request.headers.get("origin"), allowed)) {
    throw new AppError("forbidden:origin", "This site is not allowed to use this chat.");
  }
}

async function currentToken(request: Request, secret: string): Promise<EmbedTokenClaims | undefined> {
  const db = await getDb();
  return validEmbedToken(request.headers.get(EMBED_TOKEN_HEADER), secret, (id) => embedTokenVersion(db, id));
}

/**
 * POST /api/embed/session: the token an embedded widget (or an allowed host's own useChat) identifies with, sent back
 * in the `x-edge-chat-token` header. A valid token comes back renewed (its 30 days start again); otherwise a new
 * anonymous visitor, within the per-IP limit on new identities.
 */
export async function createEmbedSession(request: Request): Promise<Response> {
  await checkCaller(request);
  const secret = sessionSecret(await readEnv());
  const ip = clientIp(request);
  await enforceIpRateLimit(ip);
  const current = await currentToken(request, secret);
  if (!current) await enforceNewVisitorLimit(ip);
  const token = current
    ? await embedToken(current.visitorId, current.version, secret)
    : await embedToken(crypto.randomUUID(), 0, secret);
  const result: EmbedSessionResponse = { token };
  return Response.json(result, { headers: { "cache-control": "no-store" } });
}

/** DELETE /api/embed/session: revokes every token of the token's visitor (this one included). 204. */
export async function revokeEmbedSession(request: Request): Promise<Response> {
  const current = await currentToken(request, sessionSecret(await readEnv()));
  if (!current) throw new AppError("unauthorized:embed", "This chat session has already ended.");
  await revokeEmbedTokens(await getDb(), current.visitorId);
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
}
