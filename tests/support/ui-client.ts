import { visitorCookie } from "@/lib/chat/identity";
/**
 * What the browser does between two requests, for multi-request tool flows (approvals, browser tools): rebuild the
 * assistant message from the streamed chunks exactly as `useChat` does (the AI SDK's own readUIMessageStream), then
 * answer an approval or a browser tool the way `addToolApprovalResponse` / `addToolOutput` change the message
 * (ai/dist/index.js, AbstractChat), and carry the visitor cookie across requests.
 */
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { afterEach, beforeEach } from "vitest";
import { chatRequestBody } from "@/components/chat/transport";
import { conversationFor, conversationMessages } from "@/lib/chat/conversations";
import type { ChatMessage } from "@/lib/chat/types";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import type { ChatRow } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { postChat, readChunks, summarize, userMessage, type chat } from "./chat-client";

// The client's view of a tool part: loosely typed on purpose, tests forge and tamper with these.
export type ToolPart = {
  type: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; reason?: string; signature?: string; [key: string]: unknown };
  [key: string]: unknown;
};
export type ClientMessage = { id: string; role: "user" | "assistant"; parts: ToolPart[] | unknown[]; metadata?: unknown };

/**
 * The assistant message useChat holds once the stream is over. `continuing`: the last assistant message of the
 * conversation sent, which the stream continues (after an approval or a browser tool's output), as useChat does.
 * An `error` chunk does not stop it (useChat shows the error beside the message); tests read errors from the chunks.
 */
export async function assistantMessageFrom(chunks: UIMessageChunk[], continuing?: ClientMessage): Promise<ClientMessage> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  const message = continuing && (structuredClone(continuing) as unknown as UIMessage);
  for await (const next of readUIMessageStream({ message, stream, onError: () => {} })) last = next;
  if (!last) throw new Error("the stream produced no message");
  return structuredClone(last) as ClientMessage;
}

export function toolParts(message: ClientMessage): ToolPart[] {
  return (message.parts as ToolPart[]).filter((part) => part.type.startsWith("tool-"));
}

/** As `addToolApprovalResponse({ id, approved, reason })` changes the message. */
export function respondToApproval(message: ClientMessage, approvalId: string, approved: boolean, reason?: string): ClientMessage {
  let found = false;
  const parts = (message.parts as ToolPart[]).map((part) => {
    if (!part.type.startsWith("tool-") || part.state !== "approval-requested" || part.approval?.id !== approvalId) return part;
    found = true;
    return { ...part, state: "approval-responded", approval: { ...part.approval, id: approvalId, approved, reason } };
  });
  if (!found) throw new Error(`no approval request ${approvalId} in the message`);
  return { ...message, parts };
}

/** As `addToolOutput({ tool, toolCallId, output })` changes the message. */
export function addToolOutput(message: ClientMessage, toolCallId: string, output: unknown): ClientMessage {
  let found = false;
  const parts = (message.parts as ToolPart[]).map((part) => {
    if (!part.type.startsWith("tool-") || part.toolCallId !== toolCallId) return part;
    found = true;
    return { ...part, state: "output-available", input: part.input, output, errorText: undefined };
  });
  if (!found) throw new Error(`no tool call ${toolCallId} in the message`);
  return { ...message, parts };
}

/** The `name=value` of a Set-Cookie header, to send back as a Cookie header. */
export function cookieOf(response: Response): string {
  const setCookie = response.headers.get("set-cookie");
  if (!setCookie) throw new Error("the response set no cookie");
  return setCookie.split(";")[0];
}

/** A returning visitor as a browser has them: a signed cookie (made as the API makes it) and the id inside it. */
export async function newVisitor(): Promise<{ cookie: string; id: string }> {
  const id = crypto.randomUUID();
  const setCookie = await visitorCookie(id, process.env.SESSION_SECRET!, false);
  return { cookie: setCookie.split(";")[0], id };
}

/** The visitor id inside a signed visitor cookie (`edge_chat_visitor=<uuid>.<signature>`). */
export function visitorIdOf(cookie: string): string {
  const visitorId = /edge_chat_visitor=([0-9a-f-]{36})\./.exec(cookie)?.[1];
  if (!visitorId) throw new Error(`no visitor in cookie ${cookie}`);
  return visitorId;
}

/**
 * The messages of a chat as its conversation holds them, read as `owner` (as GET /api/chats/[id] reads them): none
 * when the conversation is not theirs (or does not exist), as the route's 404.
 */
export async function storedMessages(chatId: string, owner: string): Promise<ChatMessage[]> {
  try {
    return await conversationMessages(await conversationFor(chatId), { owner, chatId });
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found:chat") return [];
    throw error;
  }
}

/**
 * The chat as the server holds it, read as its owner: the D1 row (undefined if the visitor has no such chat) and the
 * messages of its conversation.
 */
export async function storedChat(chatId: string, cookie: string): Promise<{ chat: ChatRow | undefined; messages: ChatMessage[] }> {
  const owner = visitorIdOf(cookie);
  return { chat: await chatsFor(await getDb(), owner).get(chatId), messages: await storedMessages(chatId, owner) };
}

export type BrowserTurn = Awaited<ReturnType<typeof chat>> & {
  /** The assistant message as useChat holds it after this response (new, or the continued one). */
  message: ClientMessage;
};

/**
 * One chat as a browser tab drives it with useChat and the app's transport (components/chat/transport.ts): one chat
 * id for every request, the visitor cookie of the first response sent back on every later one, and each request
 * carrying only the last message of the conversation the page holds (`message`): the new user message, or the last
 * assistant message once an approval was answered or a browser tool's output added.
 */
export class BrowserChat {
  readonly id: string;
  cookie: string | undefined;
  /** The conversation as the page holds it. */
  messages: ClientMessage[] = [];
  /** The model picked in the page, sent with every request (absent: the server's default). */
  model: string | undefined;

  constructor(options: { id?: string; cookie?: string; model?: string } = {}) {
    this.id = options.id ?? `chat-${crypto.randomUUID()}`;
    this.cookie = options.cookie;
    this.model = options.model;
  }

  /** As `sendMessage({ text })`. */
  send(text: string): Promise<BrowserTurn> {
    const question = userMessage(text, `m-user-${crypto.randomUUID()}`);
    return this.turn([...this.messages, question]);
  }

  /**
   * The automatic follow-up useChat sends once `addToolApprovalResponse` / `addToolOutput` changed the last assistant
   * message: `assistant` (that message, as the page now holds it, possibly tampered with by a test) replaces it and
   * goes out; the answer continues it.
   */
  continueWith(assistant: ClientMessage): Promise<BrowserTurn> {
    if (this.messages.at(-1)?.role !== "assistant") throw new Error("the conversation does not end with an answer");
    return this.turn([...this.messages.slice(0, -1), assistant]);
  }

  /** The request body the app's transport builds for this conversation. */
  body(messages: ClientMessage[]) {
    return chatRequestBody({
      id: this.id,
      messages: messages as unknown as ChatMessage[],
      trigger: "submit-message",
      messageId: undefined,
      model: this.model,
    });
  }

  /** POSTs the last message of `messages` as this chat, for tests that look at a refusal (a 4xx JSON response). */
  post(messages: ClientMessage[]): Promise<Response> {
    return postChat(this.body(messages), this.cookie ? { headers: { cookie: this.cookie } } : undefined);
  }

  private async turn(messages: ClientMessage[]): Promise<BrowserTurn> {
    const response = await this.post(messages);
    if (response.status !== 200) throw new Error(`POST /api/chat answered ${response.status}: ${await response.text()}`);
    const { chunks, sawDone } = await readChunks(response);
    const result = { response, chunks, sawDone, ...summarize(chunks) };
    this.cookie ??= cookieOf(response);
    const last = messages.at(-1);
    const continuing = last?.role === "assistant" ? last : undefined;
    const message = await assistantMessageFrom(result.chunks, continuing);
    this.messages = [...(continuing ? messages.slice(0, -1) : messages), message];
    return { ...result, message };
  }
}

/**
 * Sets WEATHER_API_BASE_URL for each test (to the fake Open-Meteo's URL) and restores the original after it.
 * chat-client's cleanEnvPerTest does not know this variable.
 */
export function weatherApiPerTest(baseUrl: () => string): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.WEATHER_API_BASE_URL;
    process.env.WEATHER_API_BASE_URL = baseUrl();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WEATHER_API_BASE_URL;
    else process.env.WEATHER_API_BASE_URL = saved;
  });
}
