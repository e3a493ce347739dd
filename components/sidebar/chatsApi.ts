import type { ChatListResponse, ChatResponse } from "@/lib/chat/chat-routes";

/** The browser's side of /api/chats. Failures throw an Error whose message can be shown. */

async function failure(response: Response, fallback: string): Promise<Error> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) return new Error(body.error.message);
  } catch {
    // not JSON: use the fallback
  }
  return new Error(`${fallback} (HTTP ${response.status})`);
}

export async function fetchChats(options: { cursor?: string | null; limit?: number; signal?: AbortSignal } = {}) {
  const query = new URLSearchParams();
  if (options.cursor) query.set("cursor", options.cursor);
  if (options.limit) query.set("limit", String(options.limit));
  const response = await fetch(`/api/chats${query.size ? `?${query}` : ""}`, { signal: options.signal });
  if (!response.ok) throw await failure(response, "Could not load your chats");
  return (await response.json()) as ChatListResponse;
}

export async function patchChatTitle(id: string, title: string) {
  const response = await fetch(`/api/chats/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw await failure(response, "Could not rename the chat");
  return ((await response.json()) as ChatResponse).chat;
}

export async function deleteChatRequest(id: string) {
  const response = await fetch(`/api/chats/${encodeURIComponent(id)}`, { method: "DELETE" });
  // 404: already gone (deleted in another tab), which is what the user wanted.
  if (!response.ok && response.status !== 404) throw await failure(response, "Could not delete the chat");
}
