import { LogoIcon } from "@/components/ui/icons";

type EmbedHeaderProps = {
  title: string;
  /** Opens the conversation in the full app, once it has started. */
  onOpenInApp: (() => void) | undefined;
  onClose: () => void;
};

/** The embedded widget's header: its title, a link to the full app, and Close (which asks the host to close it). */
export function EmbedHeader({ title, onOpenInApp, onClose }: EmbedHeaderProps) {
  return (
    <header
      data-testid="embed-header"
      className="flex shrink-0 items-center gap-2 border-b border-neutral-200 px-3 py-2 dark:border-neutral-800"
      style={{ borderTop: "3px solid var(--embed-color, #171717)" }}
    >
      <span className="grid size-6 place-items-center rounded-md bg-neutral-900 text-white dark:bg-white dark:text-neutral-900">
        <LogoIcon className="size-3.5" />
      </span>
      <h1 data-testid="embed-title" className="min-w-0 flex-1 truncate text-sm font-semibold">
        {title}
      </h1>
      {onOpenInApp && (
        <button
          type="button"
          data-testid="embed-open-full"
          onClick={onOpenInApp}
          className="shrink-0 text-xs text-neutral-600 underline-offset-2 hover:underline dark:text-neutral-300"
        >
          Open in edge-chat
        </button>
      )}
      <button
        type="button"
        data-testid="embed-close"
        aria-label="Close chat"
        onClick={onClose}
        className="grid size-8 shrink-0 place-items-center rounded-md text-lg leading-none text-neutral-600 hover:bg-neutral-100 dark:text-neutral-300 dark:hover:bg-neutral-800"
      >
        ×
      </button>
    </header>
  );
}
