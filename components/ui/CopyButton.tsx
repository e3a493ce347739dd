"use client";

import { CheckIcon, CopyIcon } from "./laterIcons";
import { useCopyToClipboard } from "./useCopyToClipboard";

type CopyButtonProps = {
  text: string;
  /** What is being copied, for screen readers: "Copy message", "Copy code". */
  label: string;
  testId?: string;
  className?: string;
};

const STATE_TEXT = { idle: "Copy", copied: "Copied", failed: "Copy failed" } as const;

export function CopyButton({ text, label, testId, className = "" }: CopyButtonProps) {
  const [state, copy] = useCopyToClipboard();
  return (
    <button
      type="button"
      data-testid={testId}
      aria-label={state === "idle" ? label : STATE_TEXT[state]}
      onClick={() => void copy(text)}
      className={`inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs font-medium transition-colors ${className}`}
    >
      {state === "copied" ? <CheckIcon className="size-3.5" /> : <CopyIcon className="size-3.5" />}
      <span aria-live="polite">{STATE_TEXT[state]}</span>
    </button>
  );
}
