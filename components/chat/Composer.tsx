"use client";

import { useLayoutEffect, type KeyboardEvent, type RefObject } from "react";
import { ArrowUpIcon, StopIcon } from "@/components/ui/icons";

type ComposerProps = {
  value: string;
  onChange: (value: string) => void;
  onSend: (text: string) => void;
  onStop: () => void;
  /** An answer is on its way: Stop replaces Send, and Enter does not send. */
  busy: boolean;
  /** A limit was hit: Send waits until the server accepts messages again (the banner says how long). */
  waiting?: boolean;
  inputRef: RefObject<HTMLTextAreaElement | null>;
};

const MAX_HEIGHT_PX = 200;

/** Grows the textarea with its content up to MAX_HEIGHT_PX, then it scrolls. */
function useAutoGrow(inputRef: RefObject<HTMLTextAreaElement | null>, value: string) {
  useLayoutEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [inputRef, value]);
}

export function Composer({ value, onChange, onSend, onStop, busy, waiting = false, inputRef }: ComposerProps) {
  useAutoGrow(inputRef, value);
  const canSend = !busy && !waiting && value.trim().length > 0;

  const send = () => {
    if (canSend) onSend(value);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME is composing (Japanese, Chinese…) confirms the composition; it must not send.
    // keyCode 229 covers Safari, which ends composition before this keydown.
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
      className="flex items-end gap-2 rounded-[1.75rem] border border-neutral-200 bg-white p-2 pl-4 shadow-sm transition-shadow focus-within:border-neutral-300 focus-within:shadow-md dark:border-neutral-700 dark:bg-neutral-900 dark:focus-within:border-neutral-600"
    >
      <textarea
        ref={inputRef}
        data-testid="composer-input"
        aria-label="Message"
        placeholder="Ask anything"
        rows={1}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        enterKeyHint="send"
        className="max-h-[200px] min-h-10 flex-1 resize-none bg-transparent py-2 text-base leading-6 placeholder:text-neutral-400 focus:outline-none dark:placeholder:text-neutral-500"
      />
      {busy ? (
        <button
          type="button"
          data-testid="stop-button"
          aria-label="Stop answering"
          onClick={onStop}
          className="grid size-10 shrink-0 place-items-center rounded-full bg-neutral-900 text-white transition-colors hover:bg-neutral-700 dark:bg-white dark:text-neutral-900 dark:hover:bg-neutral-200"
        >
          <StopIcon />
        </button>
      ) : (
        <button
          type="submit"
          data-testid="send-button"
          aria-label="Send message"
          disabled={!canSend}
          className="grid size-10 shrink-0 place-items-center rounded-full bg-neutral-900 text-white transition-colors hover:bg-neutral-700 disabled:cursor-not-allowed disabled:bg-neutral-200 disabled:text-neutral-400 dark:bg-white dark:text-neutral-900 dark:hover:bg-neutral-200 dark:disabled:bg-neutral-800 dark:disabled:text-neutral-500"
        >
          <ArrowUpIcon className="size-5" />
        </button>
      )}
    </form>
  );
}
