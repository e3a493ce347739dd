import "server-only";
import { getCloudflareContext } from "@opennextjs/cloudflare";
import { UI_MESSAGE_STREAM_HEADERS } from "ai";
import { chatsFor, type ChatStore } from "@/lib/db/chats";
import { AppError, errorResponse } from "@/lib/errors";
import { openSession, type Session } from "./session";
import type { StreamRoom } from "./stream-room";

/**
 * Resumable answers, the routes' side of the StreamRoom Durable Object (lib/chat/stream-room.ts):
 * - POST /api/chat (lib/chat/turn.ts) opens a room per answer (`openResumableStream`), records its id on the chat
 *   (`chats.active_stream_id`: the latest answer's room, kept after the answer ends so a page loaded just before the
 *   end still gets it; cleared once the room is gone) and feeds it the SSE copy that lib/chat/stream.ts reads to the end on the server.
 *   The model then no longer stops when the page goes away (a reload must not kill the answer): it stops through
 *   the room (POST /api/chat/[id]/stop), or at `maxAnswerMs`.
 * - GET /api/chat/[id]/stream (`resumeChatStream`) replays the streaming answer from its beginning and follows it
 *   live; 204 when there is none (useChat's `resume` protocol).
 * - POST /api/chat/[id]/stop (`stopChatStream`) asks the room to stop; the generating request aborts the model.
 * Without a usable binding (`next dev`, whose emulator cannot host the class; vitest) there are no rooms: answers
 * stop when their request is aborted, as before, GET …/stream answers 204 and POST …/stop `{ stopped: false }`.
 */

export const RESUMABLE_SETTINGS = {
  /** The longest an answer may take once it no longer ends with its page (a hard cap on the model call). */
  maxAnswerMs: 5 * 60_000,
};

type Rooms = DurableObjectNamespace<StreamRoom>;
type Room = DurableObjectStub<StreamRoom>;

/** The StreamRoom namespace when this runtime has a usable one (the worker: deployed or `npm start`). */
export async function streamRooms(): Promise<Rooms | undefined> {
  // next dev's bindings emulator declares the binding but cannot run the class ("no such actor class").
  if (process.env.NODE_ENV === "development") return undefined;
  try {
    const { env } = await getCloudflareContext({ async: true });
    return (env as Partial<CloudflareEnv>).STREAM_ROOM;
  } catch {
    return undefined;
  }
}

function roomId(rooms: Rooms, streamId: string): DurableObjectId | undefined {
  try {
    return rooms.idFromString(streamId);
  } catch {
    return undefined; // not an id this namespace made
  }
}

/** The generating side of one resumable answer. */
export type ResumableStream = {
  /** The room's id, stored on the chat as its active stream. */
  id: string;
  /** Fires when a stop is requested (POST …/stop): the model call is aborted. */
  signal: AbortSignal;
  /** Appends the answer's SSE text to the room as it comes, then closes it. Never rejects. */
  feed(copy: ReadableStream<string>): Promise<void>;
  /** Closes the room without an answer (the turn failed before streaming). */
  abandon(): Promise<void>;
};

/**
 * Opens a room for a new answer. Rejects when the room cannot be reached (the caller then streams without resume).
 * Stop reaches the generating request two ways: `whenStopped`, a call held open that resolves the moment a stop is
 * requested, and every `append`, which reports a requested stop (in case that call was lost, e.g. the object was
 * restarted).
 */
export async function openResumableStream(rooms: Rooms): Promise<ResumableStream> {
  const id = rooms.newUniqueId();
  let room: Room = rooms.get(id);
  await room.start();

  const controller = new AbortController();
  const stop = () => {
    if (!controller.signal.aborted) controller.abort(new DOMException("The answer was stopped.", "AbortError"));
  };
  const watch = () =>
    room.whenStopped().then(
      (stopped) => {
        if (stopped) stop();
      },
      () => {}, // the room restarted: appends still report a stop
    );
  void watch();

  /** Calls the room; a stub that threw may be broken (the object restarted), so one retry goes through a new one. */
  async function call<T>(method: (room: Room) => Promise<T>): Promise<T> {
    try {
      return await method(room);
    } catch {
      room = rooms.get(id);
      const result = await method(room);
      void watch();
      return result;
    }
  }

  async function feed(copy: ReadableStream<string>): Promise<void> {
    const reader = copy.getReader();
    // Text read while an append is under way goes in the next one (fewer calls, same bytes).
    let pending = "";
    let ended = false;
    let wake: (() => void) | undefined;
    const reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          pending += value;
          wake?.();
        }
      } catch (error) {
        console.error("resumable stream: reading the answer failed:", error);
      } finally {
        ended = true;
        wake?.();
      }
    })();
    const sending = (async () => {
      let reachable = true;
      for (;;) {
        if (!pending) {
          if (ended) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const text = pending;
        pending = "";
        // Unreachable room: the copy is still read to its end (the answer is saved), just not buffered.
        if (!reachable) continue;
        try {
          if ((await call((room) => room.append(text))).stopped) stop();
        } catch (error) {
          reachable = false;
          console.error("resumable stream: the stream room is unreachable; this answer cannot be resumed:", error);
        }
      }
      if (reachable) {
        await call((room) => room.close()).catch((error) => console.error("resumable stream: closing failed:", error));
      }
    })();
    await Promise.all([reading, sending]);
  }

  return {
    id: id.toString(),
    signal: controller.signal,
    feed,
    abandon: () => call((room) => room.close()).catch(() => {}),
  };
}

const notFound = () => new AppError("not_found:chat", "This chat does not exist.");

type ActiveRoom = { chats: ChatStore; streamId: string | null; room: Room | undefined };

/** The visitor's chat (404 for a missing one and for another visitor's) and the room of its active answer. */
async function activeRoom(session: Session, chatId: string): Promise<ActiveRoom> {
  if (!chatId || chatId.length > 128) throw notFound();
  const chats = chatsFor(session.db, session.visitorId);
  const chat = await chats.get(chatId);
  if (!chat) throw notFound();
  const rooms = await streamRooms();
  const streamId = chat.activeStreamId;
  const id = rooms && streamId ? roomId(rooms, streamId) : undefined;
  return { chats, streamId, room: rooms && id ? rooms.get(id) : undefined };
}

async function handle(request: Request, chatId: string, run: (active: ActiveRoom) => Promise<Response>): Promise<Response> {
  let session: Session;
  try {
    session = await openSession(request);
  } catch (error) {
    return errorResponse(error);
  }
  try {
    return session.finish(await run(await activeRoom(session, chatId)));
  } catch (error) {
    return session.finish(errorResponse(error));
  }
}

const noActiveStream = () => new Response(null, { status: 204, headers: { "cache-control": "no-store" } });

/**
 * The request header with the id of the last message the page was loaded with. It closes a race: a page rendered
 * while an answer streamed, which asks after the answer ended (and was saved), has not got that answer; it gets the
 * finished stream replayed. Without the header, a finished stream is not replayed.
 */
export const RESUME_KNOWN_MESSAGE_HEADER = "x-chat-known-message";

/**
 * GET /api/chat/[id]/stream: the latest answer's SSE stream from its beginning while it streams (and when it has
 * ended after the page was loaded, see RESUME_KNOWN_MESSAGE_HEADER), else 204.
 */
export function resumeChatStream(request: Request, chatId: string): Promise<Response> {
  return handle(request, chatId, async ({ chats, streamId, room }) => {
    if (!streamId || !room) return noActiveStream();
    const { state } = await room.status();
    if (state === "closed") {
      const known = request.headers.get(RESUME_KNOWN_MESSAGE_HEADER);
      if (known === null) return noActiveStream();
      // The page has the answer when it was loaded ending with it (saved); a page that ends earlier, with the
      // question (saved or not yet), needs it.
      const last = await chats.lastMessage(chatId);
      if (last?.role === "assistant" && last.id === known) return noActiveStream();
    }
    const replay = await room.fetch("https://stream-room/read");
    if (replay.status !== 200 || !replay.body) {
      // The room has nothing (deleted after its retention): the answer is over.
      await replay.body?.cancel();
      await chats.clearActiveStream(chatId, streamId);
      return noActiveStream();
    }
    return new Response(replay.body, {
      headers: { ...UI_MESSAGE_STREAM_HEADERS, "cache-control": "no-cache, no-transform" },
    });
  });
}

/** POST /api/chat/[id]/stop: stops the active answer. `stopped`: it was streaming and the model is being stopped. */
export function stopChatStream(request: Request, chatId: string): Promise<Response> {
  return handle(request, chatId, async ({ room }) => {
    const { active } = room ? await room.stop() : { active: false };
    return Response.json({ stopped: active }, { headers: { "cache-control": "no-store" } });
  });
}
