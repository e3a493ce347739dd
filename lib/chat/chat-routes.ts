import "server-only";
import { z } from "zod";
import { chatsFor, toSummary, type ChatSummary } from "@/lib/db/chats";
import { AppError, errorResponse } from "@/lib/errors";
import { conversationFor, loadConversation } from "./conversations";
import { readJsonBody } from "./request";
import { openSession, type Session } from "./session";
import type { ChatMessage } from "./types";

/**
 * The logic of /api/chats and /api/chats/[id]: the route files only pass the request (and the id) here. Every
 * handler opens a session, so a first-time visitor gets the cookie, and scopes every query to that visitor: another
 * visitor's chat answers exactly like a missing one (404 `not_found:chat`), never 403.
 */

export const CHAT_TITLE_MAX = 100;
export const CHATS_PAGE_MAX = 100;
const MAX_PATCH_BYTES = 4_096;

/** The bodies the API returns (the client imports these types). */
export type ChatListResponse = { chats: ChatSummary[]; nextCursor: string | null };
export type ChatResponse = { chat: ChatSummary };
export type ChatWithMessagesResponse = { chat: ChatSummary; messages: ChatMessage[] };

const chatId = z.string().trim().min(1, "The chat id is empty.").max(128, "The chat id is too long.");

const listQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number." })
    .int("limit must be a whole number.")
    .min(1, "limit must be at least 1.")
    .max(CHATS_PAGE_MAX, `limit must be at most ${CHATS_PAGE_MAX}.`)
    .optional(),
  // The format lib/db/chats.ts writes: "<updatedAt ms>:<chat id>".
  cursor: z
    .string()
    .regex(/^\d{1,15}:.{1,128}$/, "cursor is not a cursor this API returned.")
    .optional(),
});

const renameBody = z.object({
  title: z
    .string({ error: "title must be a string." })
    .trim()
    .min(1, "The title cannot be empty.")
    .max(CHAT_TITLE_MAX, `The title can be at most ${CHAT_TITLE_MAX} characters.`),
});

function badRequest(error: z.ZodError, what: string): AppError {
  const issue = error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return new AppError("bad_request:chat", `Invalid ${what}: ${where}${issue.message}`);
}

function notFound(): AppError {
  return new AppError("not_found:chat", "This chat does not exist.");
}

function json(body: unknown, init?: ResponseInit): Response {
  return Response.json(body, { ...init, headers: { "cache-control": "no-store", ...init?.headers } });
}

/** Runs a handler with the visitor's session; errors become JSON, and every answer carries a new visitor's cookie. */
async function withSession(request: Request, handle: (session: Session) => Promise<Response>): Promise<Response> {
  let session: Session | undefined;
  try {
    session = await openSession(request);
    return session.finish(await handle(session));
  } catch (error) {
    const response = errorResponse(error);
    return session ? session.finish(response) : response;
  }
}

function parseId(id: string): string {
  const parsed = chatId.safeParse(id);
  if (!parsed.success) throw badRequest(parsed.error, "chat id");
  return parsed.data;
}

/** GET /api/chats?limit=&cursor= → the visitor's chats, newest first, and the cursor of the next page (or null). */
export function listChats(request: Request): Promise<Response> {
  return withSession(request, async ({ db, visitorId }) => {
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const query = listQuery.safeParse(params);
    if (!query.success) throw badRequest(query.error, "query");
    const page: ChatListResponse = await chatsFor(db, visitorId).list(query.data);
    return json(page);
  });
}

/** GET /api/chats/[id] → the chat and its messages, oldest first. */
export function getChat(request: Request, rawId: string): Promise<Response> {
  return withSession(request, async ({ db, visitorId }) => {
    const loaded = await loadConversation({ db, visitorId }, parseId(rawId));
    if (!loaded) throw notFound();
    const body: ChatWithMessagesResponse = { chat: toSummary(loaded.chat), messages: loaded.messages };
    return json(body);
  });
}

/** PATCH /api/chats/[id] with `{ title }` (trimmed, 1–100 characters) → the renamed chat. */
export function renameChat(request: Request, rawId: string): Promise<Response> {
  return withSession(request, async ({ db, visitorId }) => {
    const id = parseId(rawId);
    const body = renameBody.safeParse(await readJsonBody(request, MAX_PATCH_BYTES, "the new title"));
    if (!body.success) throw badRequest(body.error, "rename");
    const chats = chatsFor(db, visitorId);
    if (!(await chats.rename(id, body.data.title))) throw notFound();
    const chat = await chats.get(id);
    if (!chat) throw notFound();
    const result: ChatResponse = { chat: toSummary(chat) };
    return json(result);
  });
}

/** DELETE /api/chats/[id] → 204; the chat's messages go with it (and a running answer stops). */
export function deleteChat(request: Request, rawId: string): Promise<Response> {
  return withSession(request, async ({ db, visitorId }) => {
    const id = parseId(rawId);
    if (!(await chatsFor(db, visitorId).remove(id))) throw notFound();
    // The conversation's object: a running answer stops, its messages go.
    await (await conversationFor(id)).clear({ owner: visitorId, chatId: id });
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  });
}
