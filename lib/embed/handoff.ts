import "server-only";
import { z } from "zod";
import { embedVisitorId, EMBED_TOKEN_HEADER, knownVisitorId, sessionSecret, visitorCookie } from "@/lib/chat/identity";
import { readJsonBody } from "@/lib/chat/request";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * "Open in edge-chat" from the embedded widget. The widget's visitor is its token, not the app's cookie (a third-party
 * frame often has no cookies), so the full app would not know the chat. The widget opens /embed/open in a new tab with
 * the token in the URL fragment; that first-party page posts it here with its cookie, and the chat moves over:
 * - no cookie yet: the browser adopts the widget's visitor (a cookie for it), so all its widget chats show up;
 * - a cookie for the same visitor: nothing to do;
 * - another visitor's cookie: the chat is given to that visitor (the app's chats stay where they are).
 */
const handoffBody = z.object({ chatId: z.string().trim().min(1).max(128) });

export type HandoffResponse = { path: string };

/**
 * Whether the request comes from one of this app's own pages: Fetch Metadata where the browser sends it (it cannot be
 * set by a page), else an Origin naming this host.
 */
function fromOwnPage(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = request.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host === request.headers.get("host");
  } catch {
    return false;
  }
}

export async function handOffEmbeddedChat(request: Request): Promise<Response> {
  // Only the app's own page (/embed/open) may do this: it can change which visitor this browser is.
  if (!fromOwnPage(request)) {
    throw new AppError("forbidden:handoff", "Open the conversation from the chat widget.");
  }
  const body = handoffBody.safeParse(await readJsonBody(request, 1_024, "the chat to open"));
  if (!body.success) throw new AppError("bad_request:handoff", "Send the chat to open as `chatId`.");
  const { chatId } = body.data;

  const secret = sessionSecret(await readEnv());
  const widgetVisitor = await embedVisitorId(request.headers.get(EMBED_TOKEN_HEADER), secret);
  if (!widgetVisitor) {
    throw new AppError("unauthorized:embed", "This link has expired. Open the conversation again from the chat widget.");
  }
  const db = await getDb();
  const widgetChats = chatsFor(db, widgetVisitor);
  if (!(await widgetChats.get(chatId))) throw new AppError("not_found:chat", "This chat does not exist.");

  const appVisitor = await knownVisitorId(request.headers.get("cookie"), secret);
  const headers = new Headers({ "cache-control": "no-store" });
  if (!appVisitor) headers.append("set-cookie", await visitorCookie(widgetVisitor, secret, request));
  else if (appVisitor !== widgetVisitor) await widgetChats.transferTo(chatId, appVisitor);

  const result: HandoffResponse = { path: `/chat/${encodeURIComponent(chatId)}` };
  return Response.json(result, { headers });
}
