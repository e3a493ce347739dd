"use client";

import { useEffect, useRef, useState, type KeyboardEvent } from "react";

const TITLE_MAX = 100;

type ChatTitleInputProps = {
  /** The text to edit. */
  initial: string;
  /** The edit is over: the new title (trimmed, at most TITLE_MAX), or undefined when it was cancelled or left empty. */
  onDone: (title: string | undefined) => void;
};

/** Rename's inline input (Enter or leaving it saves, Esc cancels); a chunk of its own, loaded by the first Rename. */
export function ChatTitleInput({ initial, onDone }: ChatTitleInputProps) {
  const [draft, setDraft] = useState(initial);
  const inputRef = useRef<HTMLInputElement>(null);
  // Enter or Esc ends the edit; the blur of the input going away must not end it again.
  const done = useRef(false);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const finish = (save: boolean) => {
    if (done.current) return;
    done.current = true;
    onDone(save ? draft.trim().slice(0, TITLE_MAX) || undefined : undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    if (event.key === "Enter") {
      event.preventDefault();
      finish(true);
    } else if (event.key === "Escape") {
      // Esc cancels the edit only; it must not also close the drawer around it.
      event.preventDefault();
      event.stopPropagation();
      finish(false);
    }
  };

  return (
    <input
      ref={inputRef}
      data-testid="chat-title-input"
      aria-label="Chat title"
      value={draft}
      maxLength={TITLE_MAX}
      onChange={(event) => setDraft(event.target.value)}
      onKeyDown={onKeyDown}
      onBlur={() => finish(true)}
      className="mx-1 my-0.5 h-8 min-w-0 flex-1 rounded-md border border-blue-500 bg-white px-2 text-sm text-neutral-900 focus:outline-none dark:bg-neutral-950 dark:text-neutral-100"
    />
  );
}
