import { useId } from "react";
import type { ChatMetadata, MessageStatus } from "@/lib/chat/types";
import { CopyButton } from "@/components/ui/CopyButton";
import { AlertIcon, RefreshIcon, StopCircleIcon } from "@/components/ui/laterIcons";

type MessageActionsProps = {
  text: string;
  metadata: ChatMetadata | undefined;
  modelLabel: string | undefined;
  /** The model asked first, when it failed before its first token and `modelLabel`'s answered instead. */
  fallbackFromLabel: string | undefined;
  /** Set only on the last assistant message: regenerating an older one would drop the turns after it. */
  onRegenerate?: () => void;
};

/** How an answer that did not complete is marked (a complete one is not). */
const STATUS_MARKS: Partial<Record<MessageStatus, { label: string; Icon: typeof AlertIcon; tone: string }>> = {
  stopped: {
    label: "Stopped",
    Icon: StopCircleIcon,
    tone: "bg-neutral-100 text-neutral-600 dark:bg-neutral-800 dark:text-neutral-300",
  },
  error: {
    label: "Failed — the answer is incomplete",
    Icon: AlertIcon,
    tone: "bg-red-50 text-red-700 dark:bg-red-950/60 dark:text-red-300",
  },
  interrupted: {
    label: "Interrupted — the server restarted mid-answer",
    Icon: AlertIcon,
    tone: "bg-amber-50 text-amber-800 dark:bg-amber-950/50 dark:text-amber-200",
  },
};

const ACTION_CLASSES =
  "text-neutral-500 hover:bg-neutral-100 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100";

const count = (value: number) => value.toLocaleString("en-US");
const duration = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`);

/** What the answer's footer tells on hover or focus: how it was made and how fast. */
function answerStats(metadata: ChatMetadata | undefined, modelLabel: string | undefined): [string, string][] {
  const usage = metadata?.usage;
  const stats: [string, string | undefined][] = [
    ["Model", modelLabel],
    ["Tokens", usage?.inputTokens === undefined ? undefined : `${count(usage.inputTokens)} in, ${count(usage.outputTokens ?? 0)} out`],
    ["First token after", metadata?.ttftMs === undefined ? undefined : duration(metadata.ttftMs)],
    ["Speed", metadata?.tokensPerSecond === undefined ? undefined : `${count(metadata.tokensPerSecond)} tokens/s`],
  ];
  return stats.filter((stat): stat is [string, string] => stat[1] !== undefined);
}

export function MessageActions({ text, metadata, modelLabel, fallbackFromLabel, onRegenerate }: MessageActionsProps) {
  const tooltipId = useId();
  const stats = answerStats(metadata, modelLabel);
  const outputTokens = metadata?.usage?.outputTokens;
  const details = [
    modelLabel,
    fallbackFromLabel && `fallback from ${fallbackFromLabel}`,
    metadata?.cached && "shared answer",
    outputTokens === undefined ? undefined : `${outputTokens.toLocaleString("en-US")} tokens`,
  ].filter(Boolean);

  const status = metadata?.status;
  const mark = status ? STATUS_MARKS[status] : undefined;

  return (
    <div className="-mt-2 -ml-2 flex flex-wrap items-center gap-1">
      {mark && (
        <span
          data-testid="message-status"
          data-status={status}
          className={`mr-1 ml-2 inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${mark.tone}`}
        >
          <mark.Icon className="size-3.5" />
          {mark.label}
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
        // Focusable, so the numbers reach keyboard and screen reader users too (the tooltip describes it).
        <span
          data-testid="message-meta"
          tabIndex={stats.length > 1 ? 0 : undefined}
          aria-describedby={stats.length > 1 ? tooltipId : undefined}
          className="group relative ml-1 rounded text-xs text-neutral-400 outline-none focus-visible:ring-2 focus-visible:ring-neutral-400 dark:text-neutral-500"
        >
          {details.join(" · ")}
          {stats.length > 1 && (
            <span
              role="tooltip"
              id={tooltipId}
              data-testid="message-stats"
              className="invisible absolute bottom-full left-0 z-10 mb-1 grid w-max grid-cols-[auto_auto] gap-x-3 rounded-lg bg-neutral-900 px-3 py-2 text-xs text-neutral-100 shadow-lg group-hover:visible group-focus:visible dark:bg-neutral-100 dark:text-neutral-900"
            >
              {stats.map(([label, value]) => (
                <span key={label} className="contents">
                  <span className="text-neutral-400 dark:text-neutral-500">{label}</span>
                  <span className="tabular-nums">{value}</span>
                </span>
              ))}
            </span>
          )}
        </span>
      )}
    </div>
  );
}
