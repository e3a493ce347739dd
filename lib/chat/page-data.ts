import "server-only";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { cache } from "react";
import { chatsFor, type ChatPage, type ChatSummary } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { readEnv } from "@/lib/env";
import { isHttps } from "@/lib/security/scheme";
import { loadConversation } from "./conversations";
import { knownVisitorId, sessionSecret } from "./identity";
import type { ChatMessage } from "./types";

/**
 * What server components read about the visitor's conversations. Pages never mint an identity (they cannot set a
 * cookie): a visitor without a valid cookie simply has no chats yet; the first API call gives them the cookie.
 */

export const SIDEBAR_PAGE_SIZE = 30;

/** The visitor the request's cookie proves, once per request (nobody on a worker without its secret). */
const currentVisitor = cache(async (): Promise<string | undefined> => {
  const requestHeaders = await headers();
  const cookieHeader = requestHeaders.get("cookie");
  if (!cookieHeader) return undefined;
  let secret: string;
  try {
    secret = sessionSecret(await readEnv());
  } catch {
    return undefined; // the API says why, on the first call the page makes
  }
  return knownVisitorId(cookieHeader, secret, isHttps(requestHeaders));
});

/** The first page of the sidebar, or null when it cannot be read (the sidebar then asks /api/chats itself). */
export async function loadSidebarChats(): Promise<ChatPage | null> {
  try {
    const visitorId = await currentVisitor();
    if (!visitorId) return { chats: [], nextCursor: null };
    return await chatsFor(await getDb(), visitorId).list({ limit: SIDEBAR_PAGE_SIZE });
  } catch (error) {
    unstable_rethrow(error); // Next's own signals (this render is dynamic) are not failures
    console.error("loadSidebarChats:", error);
    return null;
  }
}

export type LoadedChat = { chat: ChatSummary; messages: ChatMessage[] };

/** One of the visitor's chats with its messages; undefined for a missing chat and for another visitor's. */
export const loadChat = cache(async (id: string): Promise<LoadedChat | undefined> => {
  if (!id || id.length > 128) return undefined;
  const visitorId = await currentVisitor();
  if (!visitorId) return undefined;
  const loaded = await loadConversation({ db: await getDb(), visitorId }, id);
  if (!loaded) return undefined;
  const { chat, messages } = loaded;
  return {
    chat: {
      id: chat.id,
      title: chat.title,
      model: chat.model,
      createdAt: chat.createdAt.toISOString(),
      updatedAt: chat.updatedAt.toISOString(),
    },
    messages,
  };
});
