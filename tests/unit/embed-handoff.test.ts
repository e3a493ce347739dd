/**
 * "Open in edge-chat": POST /api/embed/handoff moves a widget chat (token identity) into the full app (cookie
 * identity), on the real local D1. lib/embed/handoff.ts.
 */
import { describe, expect, it } from "vitest";
import { GET as getRoute } from "@/app/api/chats/[id]/route";
import { GET as listRoute } from "@/app/api/chats/route";
import { POST as handoffRoute } from "@/app/api/embed/handoff/route";
import { embedToken, EMBED_TOKEN_HEADER } from "@/lib/chat/identity";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";

const BASE = "http://localhost";
type ErrorBody = { error: { code: string } };

async function widgetChat() {
  const visitorId = crypto.randomUUID();
  const token = await embedToken(visitorId, process.env.SESSION_SECRET!);
  const chatId = crypto.randomUUID();
  await chatsFor(await getDb(), visitorId).create({ id: chatId, model: "demo:offline" });
  return { visitorId, token, chatId };
}

function handoff(chatId: string, headers: Record<string, string>) {
  return handoffRoute(
    new Request(`${BASE}/api/embed/handoff`, {
      method: "POST",
      headers: { origin: BASE, host: "localhost", "content-type": "application/json", ...headers },
      body: JSON.stringify({ chatId }),
    }),
  );
}

const getChat = (cookie: string, id: string) =>
  getRoute(new Request(`${BASE}/api/chats/${id}`, { headers: { cookie } }), { params: Promise.resolve({ id }) });

async function appCookie(): Promise<string> {
  const response = await listRoute(new Request(`${BASE}/api/chats`));
  return response.headers.get("set-cookie")!.split(";")[0];
}

describe("POST /api/embed/handoff", () => {
  it("a browser without the app's cookie adopts the widget's visitor and sees the chat", async () => {
    const { visitorId, token, chatId } = await widgetChat();
    // As a browser sends it: Fetch Metadata says the page is the app's own.
    const response = await handoff(chatId, { [EMBED_TOKEN_HEADER]: token, "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: `/chat/${chatId}` });
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^edge_chat_visitor=${visitorId}\\.`));
    expect(setCookie).toContain("HttpOnly");
    expect((await getChat(setCookie.split(";")[0], chatId)).status).toBe(200);
  });

  it("a browser with another visitor's cookie gets the chat moved to that visitor, keeping its own identity", async () => {
    const { visitorId, token, chatId } = await widgetChat();
    const cookie = await appCookie();
    const response = await handoff(chatId, { [EMBED_TOKEN_HEADER]: token, cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect((await getChat(cookie, chatId)).status).toBe(200);
    expect(await chatsFor(await getDb(), visitorId).get(chatId)).toBeUndefined();
  });

  it("refuses other origins, bad tokens, other visitors' chats and bad bodies, changing nothing", async () => {
    const { token, chatId } = await widgetChat();
    const other = await widgetChat();
    const cases: [Response, number, string][] = [
      [await handoff(chatId, { [EMBED_TOKEN_HEADER]: token, origin: "https://evil.example" }), 403, "forbidden:handoff"],
      [await handoff(chatId, { [EMBED_TOKEN_HEADER]: token, "sec-fetch-site": "cross-site" }), 403, "forbidden:handoff"],
      [await handoff(chatId, { [EMBED_TOKEN_HEADER]: `${token.slice(0, -2)}xx` }), 401, "unauthorized:embed"],
      [await handoff(chatId, {}), 401, "unauthorized:embed"],
      [await handoff(other.chatId, { [EMBED_TOKEN_HEADER]: token }), 404, "not_found:chat"],
      [await handoff("", { [EMBED_TOKEN_HEADER]: token }), 400, "bad_request:handoff"],
      [await handoff(chatId, { [EMBED_TOKEN_HEADER]: token, "content-type": "text/plain" }), 415, "unsupported_media_type:json"],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      expect(((await response.json()) as ErrorBody).error.code).toBe(code);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    expect(await chatsFor(await getDb(), other.visitorId).get(other.chatId)).toBeDefined();
  });
});
