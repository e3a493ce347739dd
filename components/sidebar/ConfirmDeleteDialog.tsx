"use client";

import { useEffect, useId, useRef, useState } from "react";
import { AlertIcon } from "@/components/ui/laterIcons";

type ConfirmDeleteDialogProps = {
  /** The chat to delete; the dialog is open while this is set. */
  target: { id: string; label: string } | null;
  onConfirm: (id: string) => Promise<boolean>;
  /** Closed: cancelled, Esc, or deleted (`deleted` true). */
  onClose: (deleted: boolean) => void;
};

/**
 * "Delete this chat?" as a native modal <dialog>: the browser makes the rest of the page inert, keeps focus inside
 * and closes it on Esc. Focus starts on Cancel, the harmless choice.
 */
export function ConfirmDeleteDialog({ target, onConfirm, onClose }: ConfirmDeleteDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);
  const deleted = useRef(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (target && !dialog.open) {
      deleted.current = false;
      setFailed(false);
      dialog.showModal();
      cancelRef.current?.focus();
    } else if (!target && dialog.open) {
      dialog.close();
    }
  }, [target]);

  const confirm = async () => {
    if (!target || pending) return;
    setPending(true);
    const ok = await onConfirm(target.id);
    setPending(false);
    if (ok) {
      deleted.current = true;
      ref.current?.close();
    } else {
      setFailed(true);
    }
  };

  return (
    <dialog
      ref={ref}
      data-testid="confirm-delete-dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={() => onClose(deleted.current)}
      onCancel={(event) => {
        if (pending) event.preventDefault();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-sm rounded-2xl border border-neutral-200 bg-white p-5 text-neutral-900 shadow-xl backdrop:bg-black/50 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100"
    >
      <h2 id={titleId} className="text-base font-semibold">
        Delete chat?
      </h2>
      <p id={descriptionId} className="mt-2 text-sm text-neutral-600 dark:text-neutral-400">
        “<span className="font-medium break-words text-neutral-900 dark:text-neutral-100">{target?.label}</span>” and
        all its messages will be deleted. This cannot be undone.
      </p>
      {failed && (
        <p role="alert" className="mt-3 flex items-center gap-2 text-sm text-red-700 dark:text-red-400">
          <AlertIcon className="size-4 shrink-0" />
          The chat could not be deleted. Try again.
        </p>
      )}
      <div className="mt-5 flex justify-end gap-2">
        <button
          ref={cancelRef}
          type="button"
          data-testid="cancel-delete-button"
          onClick={() => ref.current?.close()}
          disabled={pending}
          className="h-9 rounded-lg border border-neutral-200 px-3.5 text-sm font-medium text-neutral-700 hover:bg-neutral-50 disabled:opacity-60 dark:border-neutral-700 dark:text-neutral-200 dark:hover:bg-neutral-800"
        >
          Cancel
        </button>
        <button
          type="button"
          data-testid="confirm-delete-button"
          onClick={() => void confirm()}
          disabled={pending}
          className="h-9 rounded-lg bg-red-600 px-3.5 text-sm font-semibold text-white hover:bg-red-700 disabled:opacity-60 dark:bg-red-600 dark:hover:bg-red-500"
        >
          {pending ? "Deleting…" : "Delete"}
        </button>
      </div>
    </dialog>
  );
}
