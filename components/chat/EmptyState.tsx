import { LogoIcon } from "@/components/ui/icons";

const SUGGESTED_PROMPTS = [
  "What's the weather and the time in Paris?",
  "Explain streaming with a code example",
  "Calculate (17.5 * 3) / 4",
  "Save a note: buy milk",
  "What is my time zone?",
  "Write a long answer about markdown rendering",
];

type EmptyStateProps = {
  onPick: (prompt: string) => void;
  /** The embedded widget's own welcome and starters (compact layout). */
  welcome?: string;
  prompts?: string[];
};

export function EmptyState({ onPick, welcome, prompts }: EmptyStateProps) {
  if (welcome !== undefined) {
    return (
      <div data-testid="empty-state" className="flex min-h-full flex-col justify-end gap-3 px-1 py-4">
        <p data-testid="embed-welcome" className="rounded-2xl bg-neutral-100 px-3.5 py-2.5 text-sm dark:bg-neutral-900">
          {welcome}
        </p>
        <ul className="flex flex-wrap gap-2" aria-label="Suggested prompts">
          {(prompts ?? SUGGESTED_PROMPTS).map((prompt) => (
            <li key={prompt}>
              <button
                type="button"
                data-testid="suggested-prompt"
                onClick={() => onPick(prompt)}
                className="rounded-full border border-neutral-200 px-3 py-1.5 text-left text-xs text-neutral-700 hover:bg-neutral-50 dark:border-neutral-800 dark:text-neutral-300 dark:hover:bg-neutral-900"
              >
                {prompt}
              </button>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div data-testid="empty-state" className="flex min-h-full flex-col items-center justify-center px-2 py-10 text-center">
      <div className="mb-4 grid size-12 place-items-center rounded-2xl bg-neutral-900 text-white shadow-sm dark:bg-white dark:text-neutral-900">
        <LogoIcon className="size-6" />
      </div>
      <h2 className="text-2xl font-semibold tracking-tight sm:text-3xl">What can I help with?</h2>
      <p className="mt-2 max-w-md text-sm text-neutral-500 dark:text-neutral-400">
        Answers stream as they are written, with markdown, code and tool calls.
      </p>
      <ul className="mt-8 grid w-full max-w-2xl gap-2 sm:grid-cols-2" aria-label="Suggested prompts">
        {SUGGESTED_PROMPTS.map((prompt) => (
          <li key={prompt}>
            <button
              type="button"
              data-testid="suggested-prompt"
              onClick={() => onPick(prompt)}
              className="h-full w-full rounded-xl border border-neutral-200 px-4 py-3 text-left text-sm text-neutral-700 transition-colors hover:bg-neutral-50 hover:text-neutral-950 dark:border-neutral-800 dark:text-neutral-300 dark:hover:bg-neutral-900 dark:hover:text-white"
            >
              {prompt}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
