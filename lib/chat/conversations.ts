import "server-only";
import { parseJsonEventStream, readUIMessageStream, UI_MESSAGE_STREAM_HEADERS, uiMessageChunkSchema, type UIMessageChunk } from "ai";
import { emulateRemoteLatency } from "@/lib/bench/remote-latency";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { forgetLegacyMessages, readLegacyChat } from "@/lib/db/legacy-messages";
import { objectNamespace, readEnv } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import {
  ConversationCore,
  type Caller,
  type ConversationStore,
  type DispatchBody,
  type History,
  type TurnInput,
  type TurnRecord,
} from "./conversation-core";
import type { Conversation, Outcome } from "./conversation-object";
import { openSession, type Session } from "./session";
import type { ChatMessage, MessageStatus } from "./types";

/**
 * The routes' side of the conversation objects (lib/chat/conversation-core.ts): one handle per chat id, and the
 * routes that only read or signal a conversation (resume, stop, live, history).
 *
 * In the worker (deployed, `npm start`) a handle is the chat's Conversation Durable Object. Where there are no objects
 * (`next dev`, whose emulator cannot host the class; vitest) the same core runs in this process, in memory, and
 * dispatches turns to the runner in-process: chats there last until the process restarts (D1 keeps their list).
 */
export type ConversationHandle = {
  startTurn(input: TurnInput): Promise<Response>;
  saveAnswer(turnId: string, message: ChatMessage, status: MessageStatus): Promise<void>;
  whenStopped(turnId: string): Promise<boolean>;
  stop(caller: Caller): Promise<{ stopped: boolean }>;
  history(caller: Caller): Promise<History>;
  resume(caller: Caller, known: string | null): Promise<Response | null>;
  listen(caller: Caller): Promise<Response>;
  adopt(owner: string, messages: ChatMessage[]): Promise<void>;
  clear(caller: Caller): Promise<void>;
};

/** The handle of one chat's conversation (the id is the chat's; it is checked by the callers' validation). */
export async function conversationFor(chatId: string): Promise<ConversationHandle> {
  const objects = await objectNamespace("CONVERSATION");
  if (!objects) return localConversation(chatId);
  const stub = objects.get(objects.idFromName(chatId)) as unknown as ConversationStub;
  return emulateRemoteLatency(reviveErrors(stub), (await readEnv()).BENCH_REMOTE_MS);
}

/**
 * The object's stub as its class declares it (lib/chat/conversation-object.ts); written out because tsc cannot map
 * the RPC types of a ChatMessage ("excessively deep").
 */
type ConversationStub = { [K in keyof ConversationHandle]: Conversation[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/** The object's methods; its refusals (Outcome errors) thrown again as the AppErrors they were. */
function reviveErrors(stub: ConversationStub): ConversationHandle {
  const value = async <T>(result: Promise<Outcome<T>>): Promise<T> => {
    const settled = await result;
    if ("error" in settled) throw new AppError(settled.error.code, settled.error.message);
    return settled.value;
  };
  return {
    startTurn: (input) => stub.startTurn(input),
    saveAnswer: (turnId, message, status) => stub.saveAnswer(turnId, message, status),
    whenStopped: (turnId) => stub.whenStopped(turnId),
    stop: (caller) => value(stub.stop(caller)),
    history: (caller) => value(stub.history(caller)),
    resume: (caller, known) => value(stub.resume(caller, known)),
    listen: (caller) => value(stub.listen(caller)),
    adopt: (owner, messages) => value(stub.adopt(owner, messages)),
    clear: (caller) => value(stub.clear(caller)),
  };
}

// ---- in-process conversations (next dev, vitest) -------------------------------------------------------------------

class MemoryConversationStore implements ConversationStore {
  private owner: string | undefined;
  private messages: ChatMessage[] = [];
  private turn: TurnRecord | undefined;
  private chunks: string[] = [];

  loadOwner = () => this.owner;
  saveOwner = (owner: string) => void (this.owner = owner);
  loadMessages = () => structuredClone(this.messages);
  putMessage = (message: ChatMessage) => {
    const index = this.messages.findIndex((candidate) => candidate.id === message.id);
    if (index >= 0) this.messages[index] = structuredClone(message);
    else this.messages.push(structuredClone(message));
  };
  deleteMessagesFrom = (id: string) => {
    const index = this.messages.findIndex((message) => message.id === id);
    if (index >= 0) this.messages = this.messages.slice(0, index);
  };
  loadTurn = () => this.turn;
  saveTurn = (turn: TurnRecord) => void (this.turn = { ...turn });
  loadChunks = () => [...this.chunks];
  addChunk = (seq: number, text: string) => void (this.chunks[seq] = text);
  clearChunks = () => void (this.chunks = []);
  clear = () => {
    this.owner = undefined;
    this.messages = [];
    this.turn = undefined;
    this.chunks = [];
  };
}

/** Kept on globalThis: next dev reloads modules on every change. */
const local = ((globalThis as { __edgeChatConversations?: Map<string, ConversationCore> }).__edgeChatConversations ??= new Map());

function localConversation(chatId: string): ConversationHandle {
  let core = local.get(chatId);
  if (!core) {
    core = new ConversationCore({
      store: new MemoryConversationStore(),
      dispatch: async (body: DispatchBody) => {
        // The runner, called in-process (lib/chat/turn.ts imports this module, hence the late import).
        const { runTurn } = await import("./turn");
        return runTurn(body);
      },
      importLegacy: async (id) => readLegacyChat((await getDb()).$client, id),
      forgetLegacy: async (id) => forgetLegacyMessages((await getDb()).$client, id),
      setAlarm: () => {},
      keepAlive: () => {},
    });
    local.set(chatId, core);
  }
  const c = core;
  return {
    startTurn: (input) => c.startTurn(input),
    saveAnswer: async (turnId, message, status) => c.saveAnswer(turnId, message, status),
    whenStopped: (turnId) => c.whenStopped(turnId),
    stop: (caller) => c.stop(caller),
    history: (caller) => c.history(caller),
    resume: (caller, known) => c.resume(caller, known),
    listen: (caller) => c.listen(caller),
    adopt: async (owner, messages) => c.adopt(owner, messages),
    clear: async (caller) => c.clear(caller),
  };
}

// ---- reading a conversation ---------------------------------------------------------------------------------------

/**
 * The chat's messages. An answer whose turn ended without being saved (its runner went away mid-answer) is made from
 * its stored stream now, kept as `interrupted` and saved, so it is never silently gone.
 */
export async function conversationMessages(handle: ConversationHandle, caller: Caller): Promise<ChatMessage[]> {
  const { messages, pending } = await handle.history(caller);
  if (!pending) return messages;
  const seed = pending.continues ? messages.find((message) => message.id === pending.continues) : undefined;
  const answer = await answerFromStream(pending.sse, seed);
  if (!answer || answer.parts.length === 0) return messages;
  const kept: ChatMessage = { ...answer, parts: settled(answer.parts), metadata: { ...answer.metadata, status: "interrupted" } };
  await handle.saveAnswer(pending.turnId, kept, "interrupted");
  return seed ? messages.map((message) => (message.id === kept.id ? kept : message)) : [...messages, kept];
}

/** An answer cut off mid-stream: its text ends where it got to; a tool call whose input never completed goes. */
function settled(parts: ChatMessage["parts"]): ChatMessage["parts"] {
  return parts
    .filter((part) => !("state" in part && part.state === "input-streaming"))
    .map((part) => ("state" in part && part.state === "streaming" ? { ...part, state: "done" } : part)) as ChatMessage["parts"];
}

/** The message a UI message stream (its SSE text) builds, as the client would build it. */
async function answerFromStream(sse: string, seed: ChatMessage | undefined): Promise<ChatMessage | undefined> {
  const chunks = parseJsonEventStream({
    stream: new Response(sse).body!,
    schema: uiMessageChunkSchema,
  }).pipeThrough(
    new TransformStream<{ success: boolean; value?: UIMessageChunk }, UIMessageChunk>({
      transform(result, controller) {
        if (result.success && result.value) controller.enqueue(result.value);
      },
    }),
  );
  let message: ChatMessage | undefined;
  for await (const snapshot of readUIMessageStream<ChatMessage>({ message: seed, stream: chunks, onError: () => {} })) {
    message = snapshot;
  }
  return message;
}

// ---- routes that read or signal a conversation --------------------------------------------------------------------

const notFound = () => new AppError("not_found:chat", "This chat does not exist.");

async function handle(
  request: Request,
  chatId: string,
  run: (conversation: ConversationHandle, caller: Caller, session: Session) => Promise<Response>,
): Promise<Response> {
  let session: Session;
  try {
    session = await openSession(request);
  } catch (error) {
    return errorResponse(error);
  }
  try {
    if (!chatId || chatId.length > 128) throw notFound();
    const conversation = await conversationFor(chatId);
    return session.finish(await run(conversation, { owner: session.visitorId, chatId }, session));
  } catch (error) {
    return session.finish(errorResponse(error));
  }
}

/** An answer's stream from the object, with the AI SDK's UI message stream headers (the object knows SSE only). */
export function answerStream(response: Response): Response {
  if (!response.ok) return new Response(response.body, response);
  return new Response(response.body, {
    headers: { ...UI_MESSAGE_STREAM_HEADERS, "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
}

const noActiveStream = () => new Response(null, { status: 204, headers: { "cache-control": "no-store" } });

/**
 * The request header with the id of the last message the page was loaded with. It closes a race: a page rendered
 * while an answer streamed, which asks after the answer ended (and was saved), has not got that answer; it gets the
 * finished stream replayed. Without the header, a finished stream is not replayed.
 */
export const RESUME_KNOWN_MESSAGE_HEADER = "x-chat-known-message";

/** GET /api/chat/[id]/stream: the latest answer's stream from its start while it runs (see the header above), else 204. */
export function resumeChatStream(request: Request, chatId: string): Promise<Response> {
  return handle(request, chatId, async (conversation, caller) => {
    const replay = await conversation.resume(caller, request.headers.get(RESUME_KNOWN_MESSAGE_HEADER));
    if (!replay?.body) return noActiveStream();
    return answerStream(replay);
  });
}

/** POST /api/chat/[id]/stop: stops the running answer. `stopped`: one was running and the model is being stopped. */
export function stopChatStream(request: Request, chatId: string): Promise<Response> {
  return handle(request, chatId, async (conversation, caller) =>
    Response.json(await conversation.stop(caller), { headers: { "cache-control": "no-store" } }),
  );
}

/** GET /api/chat/[id]/live: the conversation's turn events (SSE), for pages showing it (components/chat/useLiveChat.ts). */
export function listenToChat(request: Request, chatId: string): Promise<Response> {
  return handle(request, chatId, async (conversation, caller) => {
    const events = await conversation.listen(caller);
    return new Response(events.body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" } });
  });
}

/** A chat and its messages for a visitor (undefined: no such chat of theirs). */
export async function loadConversation(session: Pick<Session, "db" | "visitorId">, chatId: string) {
  const caller = { owner: session.visitorId, chatId };
  // Both at once: the list's row in D1, the messages in the object (each refuses another visitor).
  const [chat, messages] = await Promise.all([
    chatsFor(session.db, session.visitorId).get(chatId),
    conversationFor(chatId).then((conversation) =>
      conversationMessages(conversation, caller).catch((error: unknown) => {
        if (error instanceof AppError && error.code === "not_found:chat") return undefined;
        throw error;
      }),
    ),
  ]);
  if (!chat || !messages) return undefined;
  return { chat, messages };
}
