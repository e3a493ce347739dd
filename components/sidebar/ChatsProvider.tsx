"use client";

import { usePathname, useRouter } from "next/navigation";
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { ChatListResponse } from "@/lib/chat/chat-routes";

export const CHATS_PAGE_SIZE = 30;

/** The browser's side of /api/chats, loaded with the first call (the server renders the first page of chats). */
const loadChatsApi = () => import("./chatsApi");

/** A sidebar entry: the server's summary, plus the first words of a chat started here until it has a title. */
export type SidebarChat = ChatListResponse["chats"][number] & { preview?: string };

type ChatsState = {
  chats: SidebarChat[];
  nextCursor: string | null;
  /** A page is on its way. */
  loading: boolean;
  /** The last failure to show (loading, renaming or deleting), cleared by the next success. */
  error: string | null;
};

export type Chats = ChatsState & {
  /** The chat the URL shows (`/chat/<id>`), if any. */
  currentId: string | undefined;
  loadMore: () => Promise<void>;
  /** A chat started in this tab: first in the list, labelled by its first words until it has a title. */
  addChat: (id: string, preview: string) => void;
  /** A chat started in this tab that the server never stored (its first message was refused): off the list. */
  forgetChat: (id: string) => void;
  /** A message was sent in this chat: it moves to the top. */
  touchChat: (id: string) => void;
  /** The title the server generated (a `data-title` part). */
  setTitle: (id: string, title: string) => void;
  rename: (id: string, title: string) => Promise<boolean>;
  remove: (id: string) => Promise<boolean>;
  clearError: () => void;
  /** Changes whenever a new chat is started; the new-chat page keys its <Chat> on it, so it always starts empty. */
  newChatKey: number;
  startNewChat: () => void;
};

const ChatsContext = createContext<Chats | null>(null);

function upsert(chats: SidebarChat[], chat: SidebarChat): SidebarChat[] {
  return [chat, ...chats.filter((existing) => existing.id !== chat.id)];
}

function currentChatId(pathname: string | null): string | undefined {
  const match = pathname?.match(/^\/chat\/([^/]+)\/?$/);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/**
 * The visitor's conversations, shared by the sidebar and the chat: the first page comes from the server render
 * (`initial`; null when that failed, then it is fetched here), later pages from GET /api/chats.
 */
/** The BroadcastChannel on which tabs tell each other about changes to the chat list. */
const LIST_CHANNEL = "edge-chat:chats";
type ListChange =
  | { kind: "add"; id: string; preview: string }
  | { kind: "forget"; id: string }
  | { kind: "touch"; id: string }
  | { kind: "title"; id: string; title: string };

export function ChatsProvider({ initial, children }: { initial: ChatListResponse | null; children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const currentId = currentChatId(pathname);
  const [state, setState] = useState<ChatsState>({
    chats: initial?.chats ?? [],
    nextCursor: initial?.nextCursor ?? null,
    loading: initial === null,
    error: null,
  });
  const [newChatKey, setNewChatKey] = useState(0);
  // The latest state for callbacks that must stay stable (useChat keeps the first callbacks it is given).
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  });

  const loadPage = useCallback(async (cursor: string | null, signal?: AbortSignal) => {
    setState((current) => ({ ...current, loading: true }));
    try {
      const { fetchChats } = await loadChatsApi();
      const page = await fetchChats({ cursor, limit: CHATS_PAGE_SIZE, signal });
      setState((current) => {
        const known = new Set(current.chats.map((chat) => chat.id));
        return {
          chats: [...current.chats, ...page.chats.filter((chat) => !known.has(chat.id))],
          nextCursor: page.nextCursor,
          loading: false,
          error: null,
        };
      });
    } catch (error) {
      if (signal?.aborted) return;
      setState((current) => ({ ...current, loading: false, error: (error as Error).message }));
    }
  }, []);

  // The server render could not read the list: ask the API.
  useEffect(() => {
    if (initial !== null) return;
    const controller = new AbortController();
    void loadPage(null, controller.signal);
    return () => controller.abort();
  }, [initial, loadPage]);

  const loadMore = useCallback(async () => {
    const { nextCursor, loading } = latest.current;
    if (!nextCursor || loading) return;
    await loadPage(nextCursor);
  }, [loadPage]);

  const addChat = useCallback((id: string, preview: string) => {
    const now = new Date().toISOString();
    setState((current) => {
      const existing = current.chats.find((chat) => chat.id === id);
      const chat: SidebarChat = existing
        ? { ...existing, updatedAt: now }
        : { id, title: null, model: null, createdAt: now, updatedAt: now, preview: preview.slice(0, 80) };
      return { ...current, chats: upsert(current.chats, chat) };
    });
  }, []);

  const forgetChat = useCallback((id: string) => {
    setState((current) => ({ ...current, chats: current.chats.filter((chat) => chat.id !== id) }));
  }, []);

  const touchChat = useCallback((id: string) => {
    setState((current) => {
      const existing = current.chats.find((chat) => chat.id === id);
      if (!existing) return current;
      return { ...current, chats: upsert(current.chats, { ...existing, updatedAt: new Date().toISOString() }) };
    });
  }, []);

  const update = useCallback((id: string, change: Partial<SidebarChat>) => {
    setState((current) => ({
      ...current,
      chats: current.chats.map((chat) => (chat.id === id ? { ...chat, ...change } : chat)),
    }));
  }, []);

  const setTitle = useCallback((id: string, title: string) => update(id, { title }), [update]);

  // Other tabs of this browser (the same visitor) hear of every change to the list, so their sidebars stay the same.
  const apply = useCallback(
    (change: ListChange) => {
      if (change.kind === "add") addChat(change.id, change.preview);
      else if (change.kind === "forget") forgetChat(change.id);
      else if (change.kind === "touch") touchChat(change.id);
      else setTitle(change.id, change.title);
    },
    [addChat, forgetChat, touchChat, setTitle],
  );
  const channel = useRef<BroadcastChannel | null>(null);
  const applyRef = useRef(apply);
  useEffect(() => {
    applyRef.current = apply;
  });
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const tabs = new BroadcastChannel(LIST_CHANNEL);
    tabs.onmessage = ({ data }: MessageEvent<ListChange>) => applyRef.current(data);
    channel.current = tabs;
    return () => {
      tabs.close();
      channel.current = null;
    };
  }, []);
  const tell = useCallback((change: ListChange) => channel.current?.postMessage(change), []);
  /** A change made here: applied, and told to the other tabs. */
  const share = useCallback(
    (change: ListChange) => {
      apply(change);
      tell(change);
    },
    [apply, tell],
  );

  const rename = useCallback(
    async (id: string, title: string) => {
      const before = latest.current.chats.find((chat) => chat.id === id);
      if (!before) return false;
      update(id, { title });
      try {
        const { patchChatTitle } = await loadChatsApi();
        const chat = await patchChatTitle(id, title);
        update(id, { title: chat.title });
        if (chat.title) tell({ kind: "title", id, title: chat.title });
        setState((current) => ({ ...current, error: null }));
        return true;
      } catch (error) {
        update(id, { title: before.title });
        setState((current) => ({ ...current, error: (error as Error).message }));
        return false;
      }
    },
    [update, tell],
  );

  const startNewChat = useCallback(() => {
    setNewChatKey((key) => key + 1);
    router.push("/");
  }, [router]);

  const remove = useCallback(
    async (id: string) => {
      try {
        const { deleteChatRequest } = await loadChatsApi();
        await deleteChatRequest(id);
      } catch (error) {
        setState((current) => ({ ...current, error: (error as Error).message }));
        return false;
      }
      setState((current) => ({ ...current, chats: current.chats.filter((chat) => chat.id !== id), error: null }));
      tell({ kind: "forget", id });
      // The open chat is gone: start a new one. (Read the URL itself: a chat started on "/" moved there by replaceState.)
      if (currentChatId(window.location.pathname) === id) startNewChat();
      return true;
    },
    [startNewChat, tell],
  );

  const clearError = useCallback(() => setState((current) => ({ ...current, error: null })), []);

  const value = useMemo<Chats>(
    () => ({
      ...state,
      currentId,
      loadMore,
      addChat: (id: string, preview: string) => share({ kind: "add", id, preview }),
      forgetChat: (id: string) => share({ kind: "forget", id }),
      touchChat: (id: string) => share({ kind: "touch", id }),
      setTitle: (id: string, title: string) => share({ kind: "title", id, title }),
      rename,
      remove,
      clearError,
      newChatKey,
      startNewChat,
    }),
    [
      state,
      currentId,
      loadMore,
      share,
      rename,
      remove,
      clearError,
      newChatKey,
      startNewChat,
    ],
  );
  return <ChatsContext value={value}>{children}</ChatsContext>;
}

/** The sidebar's chats where there is a sidebar; null in the embedded widget (app/embed), which has none. */
export function useOptionalChats(): Chats | null {
  return use(ChatsContext);
}

export function useChats(): Chats {
  const chats = use(ChatsContext);
  if (!chats) throw new Error("useChats: wrap the app in <ChatsProvider>");
  return chats;
}
