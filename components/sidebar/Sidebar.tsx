"use client";

import { lazy, Suspense, useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { AppLink } from "@/components/ui/AppLink";
import { PlusIcon, XIcon } from "@/components/ui/icons";
import { ChatListItem, chatLabel } from "./ChatListItem";
import { useChats, type SidebarChat } from "./ChatsProvider";
import { groupByDay } from "./groupByDay";
import { useSidebar } from "./SidebarState";

// Loaded the first time a chat is to be deleted: the page's first load does without it.
const ConfirmDeleteDialog = lazy(() => import("./ConfirmDeleteDialog").then((module) => ({ default: module.ConfirmDeleteDialog })));

const noSubscription = () => () => {};

/** The reader's time zone for day groups; the server render (and hydration) use UTC. */
function useTimeZone(): string {
  return useSyncExternalStore(
    noSubscription,
    () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    () => "UTC",
  );
}

/**
 * The visitor's conversations by day, newest first, with New chat, rename, delete and "Load more". A column beside
 * the chat on wide screens (the header's menu button hides it), a modal drawer on phones.
 */
export function Sidebar() {
  const chats = useChats();
  const sidebar = useSidebar();
  const timeZone = useTimeZone();
  const [deleting, setDeleting] = useState<SidebarChat | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const newChatButton = useRef<HTMLButtonElement>(null);
  const { drawerOpen, closeDrawer, collapsed } = sidebar;

  // The drawer is a modal: focus moves into it, and Esc closes it (unless an edit or the delete dialog takes Esc).
  useEffect(() => {
    if (!drawerOpen) return;
    closeButton.current?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
      closeDrawer();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [drawerOpen, closeDrawer]);

  const onDelete = useCallback((chat: SidebarChat) => setDeleting(chat), []);
  const onDialogClosed = useCallback(
    (deleted: boolean) => {
      const wasCurrent = deleting?.id === chats.currentId;
      setDeleting(null);
      // The focused delete button is gone with its chat; New chat is the next sensible place (a deleted open chat
      // leads to a new chat, whose composer takes focus).
      if (deleted && !wasCurrent) requestAnimationFrame(() => newChatButton.current?.focus());
    },
    [deleting, chats.currentId],
  );

  const groups = groupByDay(chats.chats, { timeZone });
  const hiddenOnPhone = !drawerOpen;

  return (
    <>
      {drawerOpen && (
        <div aria-hidden="true" onClick={closeDrawer} className="fixed inset-0 z-30 bg-black/40 md:hidden" />
      )}
      {/* On phones, opening shows the drawer at once (so focus can move into it) and slides it in; closing keeps it
          visible until it has slid out. */}
      <aside
        id="sidebar"
        data-testid="sidebar"
        aria-label="Chats"
        role={drawerOpen ? "dialog" : undefined}
        aria-modal={drawerOpen || undefined}
        className={`fixed inset-y-0 left-0 z-40 flex w-72 max-w-[85vw] flex-col border-r border-neutral-200 bg-neutral-50 duration-200 md:static md:z-auto md:w-64 md:max-w-none md:translate-x-0 dark:border-neutral-800 dark:bg-neutral-900 ${
          hiddenOnPhone
            ? "invisible -translate-x-full transition-[translate,visibility] md:visible"
            : "visible translate-x-0 shadow-2xl transition-[translate] md:shadow-none"
        } ${collapsed ? "md:hidden" : ""}`}
      >
        <div className="flex h-14 shrink-0 items-center gap-2 px-2">
          <button
            ref={newChatButton}
            type="button"
            data-testid="sidebar-new-chat"
            onClick={() => {
              closeDrawer();
              chats.startNewChat();
            }}
            className="inline-flex h-9 min-w-0 flex-1 items-center gap-2 rounded-lg px-2.5 text-sm font-medium text-neutral-800 transition-colors hover:bg-neutral-200/70 dark:text-neutral-100 dark:hover:bg-neutral-800"
          >
            <PlusIcon />
            New chat
          </button>
          <button
            ref={closeButton}
            type="button"
            aria-label="Close sidebar"
            onClick={closeDrawer}
            className="grid size-9 shrink-0 place-items-center rounded-lg text-neutral-600 hover:bg-neutral-200/70 md:hidden dark:text-neutral-300 dark:hover:bg-neutral-800"
          >
            <XIcon className="size-5" />
          </button>
        </div>

        <nav aria-label="Conversations" className="min-h-0 flex-1 overflow-y-auto overscroll-contain px-2 pb-4">
          {groups.map(({ group, chats: items }) => (
            <section key={group} aria-labelledby={`chats-${group}`} className="mt-3 first:mt-1">
              <h2
                id={`chats-${group}`}
                className="px-3 pb-1 text-xs font-medium text-neutral-500 dark:text-neutral-400"
              >
                {group}
              </h2>
              <ul className="flex flex-col gap-px">
                {items.map((chat) => (
                  <ChatListItem
                    key={chat.id}
                    chat={chat}
                    isCurrent={chat.id === chats.currentId}
                    onOpen={closeDrawer}
                    onRename={chats.rename}
                    onDelete={onDelete}
                  />
                ))}
              </ul>
            </section>
          ))}

          {chats.chats.length === 0 && !chats.loading && !chats.error && (
            <p data-testid="sidebar-empty" className="px-3 py-6 text-center text-sm text-neutral-500 dark:text-neutral-400">
              Your conversations will appear here.
            </p>
          )}

          {chats.error && (
            <div
              role="alert"
              className="mx-1 mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800 dark:border-red-900/60 dark:bg-red-950/50 dark:text-red-200"
            >
              <p>{chats.error}</p>
              <button type="button" onClick={chats.clearError} className="mt-1 font-semibold underline underline-offset-2">
                Dismiss
              </button>
            </div>
          )}

          {chats.nextCursor && (
            <button
              type="button"
              data-testid="load-more-chats"
              onClick={() => void chats.loadMore()}
              disabled={chats.loading}
              className="mt-3 w-full rounded-lg px-3 py-2 text-sm font-medium text-neutral-600 hover:bg-neutral-200/70 disabled:opacity-60 dark:text-neutral-300 dark:hover:bg-neutral-800"
            >
              {chats.loading ? "Loading…" : "Load more"}
            </button>
          )}
          {chats.loading && !chats.nextCursor && (
            <p role="status" className="px-3 py-4 text-center text-sm text-neutral-500 dark:text-neutral-400">
              Loading chats…
            </p>
          )}
        </nav>
        <div className="shrink-0 border-t border-neutral-200 px-2 py-2 dark:border-neutral-800">
          <AppLink
            href="/settings/keys"
            data-testid="settings-keys-link"
            onClick={closeDrawer}
            className="flex h-9 items-center rounded-lg px-2.5 text-sm text-neutral-600 transition-colors hover:bg-neutral-200/70 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100"
          >
            API keys
          </AppLink>
        </div>

        {deleting && (
          <Suspense>
            <ConfirmDeleteDialog
              target={{ id: deleting.id, label: chatLabel(deleting) }}
              onConfirm={chats.remove}
              onClose={onDialogClosed}
            />
          </Suspense>
        )}
      </aside>
    </>
  );
}
