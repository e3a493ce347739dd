import "server-only";
import { and, eq, gt, lt } from "drizzle-orm";
import { z } from "zod";
import { toBase64Url } from "@/lib/chat/identity";
import { clientIp, enforceIpRateLimit } from "@/lib/chat/limits";
import { readJsonBody } from "@/lib/chat/request";
import { openSession } from "@/lib/chat/session";
import { conversationFor, loadConversation } from "@/lib/chat/conversations";
import type { ChatMessage } from "@/lib/chat/types";
import { chatsFor } from "@/lib/db/chats";
import type { Database } from "@/lib/db/client";
import { handoffCodes } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { EMBED_TOKEN_HEADER, fromOwnPage } from "./origins";

/**
 * "Open in edge-chat" from the embedded widget. The widget's visitor is its token, not the app's cookie (a third-party
 * frame often has no cookies), so the full app does not know the chat. On click, the widget asks for a code for that
 * one chat (`createHandoffCode`) and opens /embed/open with it in the URL fragment; that first-party page redeems it
 * with the app's cookie (`redeemHandoffCode`), which gives the app's visitor (a new one if the browser has none) a copy
 * of the conversation. Nothing else changes: not the browser's identity, not the widget's chat. A code is single
 * use and lives two minutes, and someone else's code only ever gives this browser a copy of their chat: they gain no
 * access to anything it does afterwards.
 */
export const HANDOFF_CODE_TTL_MS = 2 * 60_000;

const createBody = z.object({ chatId: z.string().trim().min(1).max(128) });
const redeemBody = z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

export type HandoffCode = { code: string; expiresAt: string };

const PENDING_TOOL_STATES = new Set(["input-streaming", "input-available", "approval-requested", "approval-responded"]);

/**
 * The parts a copy keeps: not tool calls still waiting for an answer or an approval. Someone else's chat must not hand
 * this browser a live "Approve" for a call they steered (it would run on this visitor's notes).
 */
export function settledParts(parts: unknown[]): unknown[] {
  return parts.filter((part) => !PENDING_TOOL_STATES.has((part as { state?: string }).state ?? ""));
}
/** A copy of the widget visitor's chat for the app's visitor: its row in D1, its settled messages in a new object. */
async function copyChat(db: Database, ownerId: string, chatId: string, newOwnerId: string): Promise<string | undefined> {
  const source = await loadConversation({ db, visitorId: ownerId }, chatId);
  if (!source) return undefined;
  const copyId = await chatsFor(db, ownerId).copyFor(chatId, newOwnerId);
  if (!copyId) return undefined;
  const messages = source.messages.map((message) => ({ ...message, parts: settledParts(message.parts) as ChatMessage["parts"] }));
  await (await conversationFor(copyId)).adopt(newOwnerId, messages);
  return copyId;
}

export type HandoffResponse = { path: string };

async function hash(code: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function randomCode(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** POST /api/embed/handoff `{ chatId }`, from the widget (its token): a code that opens a copy of that chat. */
export async function createHandoffCode(request: Request): Promise<Response> {
  if (request.headers.get(EMBED_TOKEN_HEADER) === null) {
    throw new AppError("unauthorized:embed", "Open the conversation from the chat widget.");
  }
  const session = await openSession(request);
  await enforceIpRateLimit(clientIp(request));
  const body = createBody.safeParse(await readJsonBody(request, 1_024, "the chat to open"));
  if (!body.success) throw new AppError("bad_request:handoff", "Send the chat to open as `chatId`.");
  const { chatId } = body.data;
  if (!(await chatsFor(session.db, session.visitorId).get(chatId))) {
    throw new AppError("not_found:chat", "This chat does not exist.");
  }
  const code = randomCode();
  const expiresAt = new Date(Date.now() + HANDOFF_CODE_TTL_MS);
  const now = new Date();
  await session.db.batch([
    // Codes nobody redeemed go when the next one is made.
    session.db.delete(handoffCodes).where(lt(handoffCodes.expiresAt, now)),
    session.db.insert(handoffCodes).values({ codeHash: await hash(code), ownerId: session.visitorId, chatId, expiresAt }),
  ]);
  const result: HandoffCode = { code, expiresAt: expiresAt.toISOString() };
  return Response.json(result, { headers: { "cache-control": "no-store" } });
}

/**
 * POST /api/embed/handoff/redeem `{ code }`, from the app's own page (/embed/open) with the app's cookie: a copy of
 * the code's chat for this browser's visitor, and where to find it.
 */
export async function redeemHandoffCode(request: Request): Promise<Response> {
  // Only the app's own page may do this, as the app's visitor (never as a widget's).
  if (!fromOwnPage(request) || request.headers.get(EMBED_TOKEN_HEADER) !== null) {
    throw new AppError("forbidden:handoff", "Open the conversation from the chat widget.");
  }
  const session = await openSession(request);
  const body = redeemBody.safeParse(await readJsonBody(request, 1_024, "the code"));
  if (!body.success) throw new AppError("bad_request:handoff", "Send the code from the link as `code`.");
  const { db } = session;
  // First, so a browser refused (429) keeps its code for a second try.
  await enforceIpRateLimit(clientIp(request));
  await session.mint();
  // Deleting it is redeeming it: of two requests with the same code only one gets the row.
  const [claim] = await db
    .delete(handoffCodes)
    .where(and(eq(handoffCodes.codeHash, await hash(body.data.code)), gt(handoffCodes.expiresAt, new Date())))
    .returning();
  if (!claim) {
    throw new AppError("not_found:handoff", "This link has expired or was already used. Open the conversation again from the chat widget.");
  }
  let copyId: string | undefined;
  try {
    copyId = await copyChat(db, claim.ownerId, claim.chatId, session.visitorId);
  } catch (error) {
    // The link stays good for another try.
    await db.insert(handoffCodes).values(claim).catch(() => {});
    throw error;
  }
  if (!copyId) throw new AppError("not_found:chat", "This chat no longer exists.");
  const result: HandoffResponse = { path: `/chat/${encodeURIComponent(copyId)}` };
  return session.finish(Response.json(result, { headers: { "cache-control": "no-store" } }));
}
