import type { ChatMetadata } from "@/lib/chat/types";
import { CopyButton } from "@/components/ui/CopyButton";
import { AlertIcon, RefreshIcon, StopCircleIcon } from "@/components/ui/icons";

type MessageActionsProps = {
  text: string;
  metadata: ChatMetadata | undefined;
  modelLabel: string | undefined;
  /** Set only on the last assistant message: regenerating an older one would drop the turns after it. */
  onRegenerate?: () => void;
};

const ACTION_CLASSES =
  "text-neutral-500 hover:bg-neutral-100 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100";

export function MessageActions({ text, metadata, modelLabel, onRegenerate }: MessageActionsProps) {
  const outputTokens = metadata?.usage?.outputTokens;
  const details = [
    modelLabel,
    outputTokens === undefined ? undefined : `${outputTokens.toLocaleString("en-US")} tokens`,
  ].filter(Boolean);

  const status = metadata?.status;

  return (
    <div className="-mt-2 -ml-2 flex flex-wrap items-center gap-1">
      {status === "stopped" && (
        <span
          data-testid="message-status"
          data-status="stopped"
          className="mr-1 ml-2 inline-flex items-center gap-1 rounded-full bg-neutral-100 px-2 py-0.5 text-xs font-medium text-neutral-600 dark:bg-neutral-800 dark:text-neutral-300"
        >
          <StopCircleIcon className="size-3.5" />
          Stopped
        </span>
      )}
      {status === "error" && (
        <span
          data-testid="message-status"
          data-status="error"
          className="mr-1 ml-2 inline-flex items-center gap-1 rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 dark:bg-red-950/60 dark:text-red-300"
        >
          <AlertIcon className="size-3.5" />
          Failed — the answer is incomplete
        </span>
      )}
      {status === "interrupted" && (
        <span
          data-testid="message-status"
          data-status="interrupted"
          className="mr-1 ml-2 inline-flex items-center gap-1 rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-950/50 dark:text-amber-200"
        >
          <AlertIcon className="size-3.5" />
          Interrupted — the server restarted mid-answer
        </span>
      )}
      {text && <CopyButton text={text} label="Copy message" testId="copy-button" className={ACTION_CLASSES} />}
      {onRegenerate && (
        <button
          type="button"
          data-testid="regenerate-button"
          onClick={onRegenerate}
          className={`inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs font-medium transition-colors ${ACTION_CLASSES}`}
        >
          <RefreshIcon className="size-3.5" />
          Regenerate
        </button>
      )}
      {details.length > 0 && (
        <span data-testid="message-meta" className="ml-1 text-xs text-neutral-400 dark:text-neutral-500">
          {details.join(" · ")}
        </span>
      )}
    </div>
  );
}
