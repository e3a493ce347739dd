import { embedToken, embedVisitorId, EMBED_TOKEN_HEADER, knownVisitorId, sessionSecret } from "@/lib/chat/identity";
import { readEnv } from "@/lib/env";
import { errorResponse } from "@/lib/errors";

/**
 * POST /api/embed/session: the token an embedded widget (or a host's own useChat) identifies with, sent back in the
 * `x-edge-chat-token` header instead of a cookie. A still-valid token is returned as is; otherwise the visitor of the
 * cookie, when the browser sends it (so "Open in edge-chat" shows the same chats), else a new anonymous visitor.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const secret = sessionSecret(await readEnv());
    const current = request.headers.get(EMBED_TOKEN_HEADER);
    const visitorId =
      (await embedVisitorId(current, secret)) ??
      (await knownVisitorId(request.headers.get("cookie"), secret)) ??
      crypto.randomUUID();
    return Response.json({ token: await embedToken(visitorId, secret) }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
