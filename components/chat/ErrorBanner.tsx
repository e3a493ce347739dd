import { AlertIcon, RefreshIcon, XIcon } from "@/components/ui/icons";

type ErrorBannerProps = {
  message: string;
  onRetry: () => void;
  onDismiss: () => void;
};

export function ErrorBanner({ message, onRetry, onDismiss }: ErrorBannerProps) {
  return (
    <div
      data-testid="error-banner"
      role="alert"
      className="mb-3 flex items-start gap-3 rounded-xl border border-red-200 bg-red-50 py-2.5 pr-2 pl-3.5 text-sm text-red-900 dark:border-red-900/60 dark:bg-red-950/50 dark:text-red-100"
    >
      <AlertIcon className="mt-1 size-4 shrink-0 text-red-600 dark:text-red-400" />
      <p className="min-w-0 flex-1 py-0.5 break-words">{message}</p>
      <button
        type="button"
        data-testid="retry-button"
        onClick={onRetry}
        className="inline-flex shrink-0 items-center gap-1.5 rounded-lg bg-white px-2.5 py-1 text-xs font-semibold text-red-800 shadow-sm ring-1 ring-red-200 hover:bg-red-100 dark:bg-red-900/60 dark:text-red-50 dark:ring-red-800 dark:hover:bg-red-900"
      >
        <RefreshIcon className="size-3.5" />
        Retry
      </button>
      <button
        type="button"
        aria-label="Dismiss error"
        onClick={onDismiss}
        className="grid size-7 shrink-0 place-items-center rounded-lg text-red-700 hover:bg-red-100 dark:text-red-300 dark:hover:bg-red-900"
      >
        <XIcon className="size-4" />
      </button>
    </div>
  );
}
