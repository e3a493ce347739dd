"use client";

import { lazy, memo, Suspense, useEffect, useRef, useState } from "react";
import { AppLink } from "@/components/ui/AppLink";
import { PencilIcon, TrashIcon } from "@/components/ui/icons";
import type { SidebarChat } from "./ChatsProvider";

// Rename's input loads with the first Rename: the page's first load does without it.
const ChatTitleInput = lazy(() => import("./ChatTitleInput").then((module) => ({ default: module.ChatTitleInput })));

/** What the sidebar calls a chat: its title, else the first words typed here, else "New chat". */
export function chatLabel(chat: Pick<SidebarChat, "title" | "preview">): string {
  return chat.title?.trim() || chat.preview?.trim() || "New chat";
}

type ChatListItemProps = {
  chat: SidebarChat;
  isCurrent: boolean;
  /** Following the link (closes the drawer on phones). */
  onOpen: () => void;
  onRename: (id: string, title: string) => Promise<boolean>;
  onDelete: (chat: SidebarChat) => void;
};

const ICON_BUTTON =
  "grid size-7 shrink-0 place-items-center rounded-md text-neutral-500 hover:bg-neutral-200 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-700 dark:hover:text-neutral-100";

/** One conversation: a link to it, and Rename (inline: Enter saves, Esc cancels) and Delete buttons. */
export const ChatListItem = memo(function ChatListItem({ chat, isCurrent, onOpen, onRename, onDelete }: ChatListItemProps) {
  const label = chatLabel(chat);
  const [editing, setEditing] = useState(false);
  const linkRef = useRef<HTMLAnchorElement>(null);
  // Set when an edit ends, so focus goes back to the link instead of being lost with the input.
  const refocus = useRef(false);

  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    linkRef.current?.focus();
  }, [editing]);

  const onEdited = (title: string | undefined) => {
    refocus.current = true;
    setEditing(false);
    if (title && title !== chat.title) void onRename(chat.id, title);
  };

  return (
    <li
      data-testid="chat-list-item"
      data-chat-id={chat.id}
      data-current={isCurrent || undefined}
      className={`group relative flex items-center rounded-lg transition-colors ${
        isCurrent
          ? "bg-neutral-200/80 text-neutral-950 dark:bg-neutral-800 dark:text-white"
          : "text-neutral-700 hover:bg-neutral-200/50 dark:text-neutral-300 dark:hover:bg-neutral-800/60"
      }`}
    >
      {editing ? (
        <Suspense>
          <ChatTitleInput initial={chat.title ?? chat.preview ?? ""} onDone={onEdited} />
        </Suspense>
      ) : (
        <>
          <AppLink
            ref={linkRef}
            href={`/chat/${encodeURIComponent(chat.id)}`}
            aria-current={isCurrent ? "page" : undefined}
            title={label}
            onClick={(event) => {
              // Already open (perhaps moved here by replaceState): nothing to load.
              if (isCurrent) event.preventDefault();
              onOpen();
            }}
            // The title takes the whole row; it makes room for the buttons only while they show.
            className={`min-w-0 flex-1 truncate rounded-lg py-2 pl-3 text-sm group-focus-within:pr-16 group-hover:pr-16 pointer-coarse:pr-16 ${
              isCurrent ? "pr-16" : "pr-3"
            }`}
          >
            {label}
          </AppLink>
          <div
            className={`absolute inset-y-0 right-1 flex items-center gap-0.5 transition-opacity group-focus-within:opacity-100 group-hover:opacity-100 pointer-coarse:opacity-100 ${
              isCurrent ? "opacity-100" : "opacity-0"
            }`}
          >
            <button
              type="button"
              data-testid="chat-rename-button"
              aria-label={`Rename “${label}”`}
              title="Rename"
              onClick={() => setEditing(true)}
              className={ICON_BUTTON}
            >
              <PencilIcon className="size-3.5" />
            </button>
            <button
              type="button"
              data-testid="chat-delete-button"
              aria-label={`Delete “${label}”`}
              title="Delete"
              onClick={() => onDelete(chat)}
              className={`${ICON_BUTTON} hover:text-red-700 dark:hover:text-red-400`}
            >
              <TrashIcon className="size-3.5" />
            </button>
          </div>
        </>
      )}
    </li>
  );
});
