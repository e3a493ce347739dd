/**
 * "Open in edge-chat": the widget (token identity) asks POST /api/embed/handoff for a single-use code for one chat;
 * /embed/open redeems it at POST /api/embed/handoff/redeem with the app's cookie and gets a copy of the chat. Nobody's
 * identity changes. On the real local D1 (lib/embed/handoff.ts).
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { POST as chatRoute } from "@/app/api/chat/route";
import { GET as getRoute } from "@/app/api/chats/[id]/route";
import { GET as listRoute } from "@/app/api/chats/route";
import { POST as redeemRoute } from "@/app/api/embed/handoff/redeem/route";
import { POST as codeRoute } from "@/app/api/embed/handoff/route";
import { conversationFor } from "@/lib/chat/conversations";
import { embedToken } from "@/lib/chat/identity";
import type { ChatMessage } from "@/lib/chat/types";
import type { ChatListResponse, ChatWithMessagesResponse } from "@/lib/chat/chat-routes";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { handoffCodes, messages } from "@/lib/db/schema";
import { EMBED_TOKEN_HEADER } from "@/lib/embed/origins";

const BASE = "http://localhost";
type ErrorBody = { error: { code: string; message: string } };
const OWN_PAGE = { "sec-fetch-site": "same-origin" };

/** The widget visitor's chat: its row in D1, its messages (the question, then `more`) in its conversation. */
async function widgetChat(more: ChatMessage[] = []) {
  const visitorId = crypto.randomUUID();
  const token = await embedToken(visitorId, 0, process.env.SESSION_SECRET!);
  const chatId = crypto.randomUUID();
  const chats = chatsFor(await getDb(), visitorId);
  await chats.create({ id: chatId, model: "demo:offline" });
  const question: ChatMessage = {
    id: "q1",
    role: "user",
    parts: [{ type: "text", text: "Secret plans for the launch" }],
    metadata: { status: "complete" },
  };
  await (await conversationFor(chatId)).adopt(visitorId, [question, ...more]);
  return { visitorId, token, chatId };
}

function post(route: (request: Request) => Promise<Response>, path: string, body: unknown, headers: Record<string, string>) {
  return route(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers: { host: "localhost", "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
  );
}

async function codeFor(chatId: string, token: string): Promise<string> {
  const response = await post(codeRoute, "/api/embed/handoff", { chatId }, { [EMBED_TOKEN_HEADER]: token });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { code: string; expiresAt: string };
  expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 60_000);
  return body.code;
}

const redeem = (code: string, headers: Record<string, string> = OWN_PAGE) =>
  post(redeemRoute, "/api/embed/handoff/redeem", { code }, headers);

const cookieOf = (response: Response) => (response.headers.get("set-cookie") ?? "").split(";")[0];

const getChat = async (headers: Record<string, string>, id: string) =>
  getRoute(new Request(`${BASE}/api/chats/${id}`, { headers }), { params: Promise.resolve({ id }) });

const listChats = async (headers: Record<string, string>) =>
  ((await (await listRoute(new Request(`${BASE}/api/chats`, { headers }))).json()) as ChatListResponse).chats;

describe("Open in edge-chat", () => {
  it("a browser without the app's cookie gets a new visitor of its own with a copy of the chat, never the widget's identity", async () => {
    const widget = await widgetChat();
    const response = await redeem(await codeFor(widget.chatId, widget.token));
    expect(response.status).toBe(200);
    const { path } = (await response.json()) as { path: string };
    const copyId = path.replace("/chat/", "");
    expect(copyId).not.toBe(widget.chatId);
    const cookie = cookieOf(response);
    expect(cookie).toMatch(/^edge_chat_visitor=/);
    expect(cookie).not.toContain(widget.visitorId);

    const copy = (await (await getChat({ cookie }, copyId)).json()) as ChatWithMessagesResponse;
    expect(copy.messages.map((message) => message.parts)).toEqual([[{ type: "text", text: "Secret plans for the launch" }]]);
    // The browser is not the widget's visitor: the widget's own chat is not its, and its chats are not the widget's.
    expect((await getChat({ cookie }, widget.chatId)).status).toBe(404);
    expect((await listChats({ [EMBED_TOKEN_HEADER]: widget.token })).map((chat) => chat.id)).toEqual([widget.chatId]);
  });

  it("a code someone else minted gives them nothing of what the redeeming browser does afterwards", async () => {
    const attacker = await widgetChat();
    const victim = await redeem(await codeFor(attacker.chatId, attacker.token));
    const cookie = cookieOf(victim);
    // The victim goes on chatting in the app…
    const id = `chat-${crypto.randomUUID()}`;
    const turn = await chatRoute(
      new Request(`${BASE}/api/chat`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ id, message: { id: "m1", role: "user", parts: [{ type: "text", text: "My bank PIN is 1234" }] } }),
      }),
    );
    expect(turn.status).toBe(200);
    await turn.text();
    expect((await getChat({ cookie }, id)).status).toBe(200);
    // …and the attacker's token sees none of it.
    expect((await listChats({ [EMBED_TOKEN_HEADER]: attacker.token })).map((chat) => chat.id)).toEqual([attacker.chatId]);
    expect((await getChat({ [EMBED_TOKEN_HEADER]: attacker.token }, id)).status).toBe(404);
  });

  it("a browser with its own cookie keeps its identity and gets the copy in its list; the widget keeps its chat", async () => {
    const widget = await widgetChat();
    const first = await redeem(await codeFor(widget.chatId, widget.token));
    const cookie = cookieOf(first);
    const second = await redeem(await codeFor(widget.chatId, widget.token), { ...OWN_PAGE, cookie });
    expect(second.status).toBe(200);
    // The same visitor (its cookie renewed, not replaced).
    expect(cookieOf(second)).toBe(cookie);
    expect(await listChats({ cookie })).toHaveLength(2);
    expect(await chatsFor(await getDb(), widget.visitorId).get(widget.chatId)).toBeDefined();
  });

  it("the copy never carries a tool call still waiting: someone else's chat cannot hand this browser a live Approve", async () => {
    const pending: ChatMessage = {
      id: "a1",
      role: "assistant",
      parts: [
        { type: "text", text: "Shall I save it?" },
        {
          type: "tool-saveNote",
          toolCallId: "call-1",
          state: "approval-requested",
          input: { title: "Planted", body: "by someone else" },
          approval: { id: "approval-1" },
        },
      ] as ChatMessage["parts"],
      metadata: { status: "complete" },
    };
    const widget = await widgetChat([pending]);
    const response = await redeem(await codeFor(widget.chatId, widget.token));
    const { path } = (await response.json()) as { path: string };
    const copy = (await (await getChat({ cookie: cookieOf(response) }, path.replace("/chat/", ""))).json()) as ChatWithMessagesResponse;
    expect(copy.messages.at(-1)?.parts).toEqual([{ type: "text", text: "Shall I save it?" }]);
  });

  it("a chat whose messages are still in D1 (from before the conversations) is copied whole, and the widget keeps it", async () => {
    const visitorId = crypto.randomUUID();
    const token = await embedToken(visitorId, 0, process.env.SESSION_SECRET!);
    const chatId = crypto.randomUUID();
    const db = await getDb();
    await chatsFor(db, visitorId).create({ id: chatId, model: "demo:offline" });
    const at = Date.now();
    await db.insert(messages).values([
      { id: "q1", chatId, role: "user", parts: [{ type: "text", text: "Old question" }], status: "complete", createdAt: new Date(at) },
      { id: "a1", chatId, role: "assistant", parts: [{ type: "text", text: "Old answer" }], status: "complete", model: "demo:offline", createdAt: new Date(at + 1) },
    ]);

    const response = await redeem(await codeFor(chatId, token));
    expect(response.status).toBe(200);
    const { path } = (await response.json()) as { path: string };
    const copy = (await (await getChat({ cookie: cookieOf(response) }, path.replace("/chat/", ""))).json()) as ChatWithMessagesResponse;
    expect(copy.messages.map((message) => [message.id, message.parts])).toEqual([
      ["q1", [{ type: "text", text: "Old question" }]],
      ["a1", [{ type: "text", text: "Old answer" }]],
    ]);
    // The widget's chat now lives in its conversation (imported on that read), whole.
    const widgetCopy = (await (await getChat({ [EMBED_TOKEN_HEADER]: token }, chatId)).json()) as ChatWithMessagesResponse;
    expect(widgetCopy.messages.map((message) => message.id)).toEqual(["q1", "a1"]);
    expect(await db.$client.prepare("SELECT count(*) AS n FROM messages WHERE chat_id = ?").bind(chatId).first()).toEqual({ n: 0 });
  });

  it("a code works once, for two minutes", async () => {
    const widget = await widgetChat();
    const code = await codeFor(widget.chatId, widget.token);
    expect((await redeem(code)).status).toBe(200);
    const replayed = await redeem(code);
    expect(replayed.status).toBe(404);
    expect(((await replayed.json()) as ErrorBody).error).toMatchObject({ code: "not_found:handoff", message: expect.stringContaining("expired or was already used") });

    const late = await codeFor(widget.chatId, widget.token);
    const db = await getDb();
    await db.update(handoffCodes).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(handoffCodes.ownerId, widget.visitorId));
    expect((await redeem(late)).status).toBe(404);
  });

  it("refuses other pages, bad tokens, other visitors' chats and bad bodies, changing nothing", async () => {
    const { token, chatId } = await widgetChat();
    const other = await widgetChat();
    const code = await codeFor(chatId, token);
    const cases: [Response, number, string][] = [
      [await post(codeRoute, "/api/embed/handoff", { chatId }, {}), 401, "unauthorized:embed"],
      [await post(codeRoute, "/api/embed/handoff", { chatId }, { [EMBED_TOKEN_HEADER]: `${token.slice(0, -2)}xx` }), 401, "unauthorized:embed"],
      [await post(codeRoute, "/api/embed/handoff", { chatId: other.chatId }, { [EMBED_TOKEN_HEADER]: token }), 404, "not_found:chat"],
      [await post(codeRoute, "/api/embed/handoff", { chatId: "" }, { [EMBED_TOKEN_HEADER]: token }), 400, "bad_request:handoff"],
      [await redeem(code, { origin: "https://evil.example" }), 403, "forbidden:handoff"],
      [await redeem(code, { "sec-fetch-site": "cross-site" }), 403, "forbidden:handoff"],
      // Redeeming is for the app's visitor, never a widget's.
      [await redeem(code, { ...OWN_PAGE, [EMBED_TOKEN_HEADER]: other.token }), 403, "forbidden:handoff"],
      [await redeem("not-a-code", OWN_PAGE), 400, "bad_request:handoff"],
      [await redeem("A".repeat(43), OWN_PAGE), 404, "not_found:handoff"],
      [await post(redeemRoute, "/api/embed/handoff/redeem", "{", { ...OWN_PAGE, "content-type": "text/plain" }), 415, "unsupported_media_type:json"],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status).toBe(status);
      expect(((await response.json()) as ErrorBody).error.code).toBe(code);
    }
    // The refused attempts did not use the code up.
    expect((await redeem(code)).status).toBe(200);
    expect(await chatsFor(await getDb(), other.visitorId).get(other.chatId)).toBeDefined();
  });
});
