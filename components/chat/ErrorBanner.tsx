import { XIcon } from "@/components/ui/icons";
import { AlertIcon, ClockIcon, RefreshIcon } from "@/components/ui/laterIcons";
import { errorDetails, formatWait, TURN_CONFLICT_CODE } from "./errorMessage";

type ErrorBannerProps = {
  error: Error;
  /** Seconds before the server accepts a new try (a rate limit or the daily budget); Retry waits for it. */
  waitSeconds?: number;
  onRetry: () => void;
  onDismiss: () => void;
  /** Stops the answer that blocks this one (another tab's): offered instead of Retry when that is the error. */
  onStopOther: () => void;
};

const TONES = {
  error: {
    box: "border-red-200 bg-red-50 text-red-900 dark:border-red-900/60 dark:bg-red-950/50 dark:text-red-100",
    icon: "text-red-600 dark:text-red-400",
    button:
      "text-red-800 ring-red-200 hover:bg-red-100 dark:bg-red-900/60 dark:text-red-50 dark:ring-red-800 dark:hover:bg-red-900",
    dismiss: "text-red-700 hover:bg-red-100 dark:text-red-300 dark:hover:bg-red-900",
  },
  // A limit is not a failure: a calmer tone, and the wait spelled out.
  wait: {
    box: "border-amber-200 bg-amber-50 text-amber-950 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-50",
    icon: "text-amber-600 dark:text-amber-400",
    button:
      "text-amber-900 ring-amber-200 hover:bg-amber-100 dark:bg-amber-900/60 dark:text-amber-50 dark:ring-amber-800 dark:hover:bg-amber-900",
    dismiss: "text-amber-800 hover:bg-amber-100 dark:text-amber-300 dark:hover:bg-amber-900",
  },
};

export function ErrorBanner({ error, waitSeconds, onRetry, onDismiss, onStopOther }: ErrorBannerProps) {
  const { message, code } = errorDetails(error);
  const isLimit = waitSeconds !== undefined;
  const waiting = isLimit && waitSeconds > 0;
  const tone = TONES[isLimit ? "wait" : "error"];
  const Icon = isLimit ? ClockIcon : AlertIcon;
  return (
    <div
      data-testid="error-banner"
      data-kind={isLimit ? "limit" : "error"}
      role="alert"
      className={`mb-3 flex items-start gap-3 rounded-xl border py-2.5 pr-2 pl-3.5 text-sm ${tone.box}`}
    >
      <Icon className={`mt-1 size-4 shrink-0 ${tone.icon}`} />
      <p className="min-w-0 flex-1 py-0.5 break-words">
        {message}
        {isLimit && (
          <span data-testid="retry-wait" className="font-medium">
            {waiting ? ` You can send again in ${formatWait(waitSeconds)}.` : " You can send again now."}
          </span>
        )}
      </p>
      {code === TURN_CONFLICT_CODE ? (
        <button
          type="button"
          data-testid="stop-other-button"
          onClick={onStopOther}
          className={`inline-flex shrink-0 items-center gap-1.5 rounded-lg bg-white px-2.5 py-1 text-xs font-semibold shadow-sm ring-1 ${tone.button}`}
        >
          Stop it
        </button>
      ) : (
        <button
          type="button"
          data-testid="retry-button"
          onClick={onRetry}
          disabled={waiting}
          className={`inline-flex shrink-0 items-center gap-1.5 rounded-lg bg-white px-2.5 py-1 text-xs font-semibold shadow-sm ring-1 disabled:cursor-not-allowed disabled:opacity-50 ${tone.button}`}
        >
          <RefreshIcon className="size-3.5" />
          Retry
        </button>
      )}
      <button
        type="button"
        aria-label="Dismiss error"
        onClick={onDismiss}
        className={`grid size-7 shrink-0 place-items-center rounded-lg ${tone.dismiss}`}
      >
        <XIcon className="size-4" />
      </button>
    </div>
  );
}
