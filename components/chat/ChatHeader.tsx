import type { ModelSummary } from "@/lib/chat/types";
import { LogoIcon, PlusIcon } from "@/components/ui/icons";
import { SidebarToggle } from "@/components/sidebar/SidebarToggle";
import { ModelBadges, ModelPicker } from "./ModelPicker";

const DEMO_HELP =
  "The offline demo model streams canned answers and needs no key. For real answers set OPENAI_API_KEY, " +
  "ANTHROPIC_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY (or CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN for " +
  "Workers AI) and restart; see the README.";

type ChatHeaderProps = {
  models: ModelSummary[];
  selected: ModelSummary | undefined;
  onSelectModel: (modelId: string) => void;
  modelsLoadError: boolean;
  onNewChat: () => void;
};

export function ChatHeader({ models, selected, onSelectModel, modelsLoadError, onNewChat }: ChatHeaderProps) {
  return (
    <header className="flex shrink-0 flex-wrap items-center gap-x-2 gap-y-2 sm:gap-x-3 border-b border-neutral-200 px-3 py-2.5 sm:px-4 dark:border-neutral-800">
      <SidebarToggle className="-ml-1" />
      <h1 className="flex items-center gap-2 text-base font-semibold tracking-tight">
        <span className="grid size-7 place-items-center rounded-lg bg-neutral-900 text-white dark:bg-white dark:text-neutral-900">
          <LogoIcon className="size-4" />
        </span>
        edge-chat
      </h1>
      {selected?.isDemo && (
        <p
          data-testid="demo-badge"
          title={DEMO_HELP}
          className="order-last basis-full cursor-help truncate rounded-full border border-amber-300/70 bg-amber-50 px-2.5 py-0.5 text-center text-xs font-medium text-amber-900 sm:order-none sm:basis-auto dark:border-amber-700/60 dark:bg-amber-950/60 dark:text-amber-200"
        >
          Demo model — offline, canned answers
        </p>
      )}
      <div className="ml-auto flex min-w-0 items-center gap-2">
        {selected && <ModelBadges model={selected} />}
        <ModelPicker models={models} value={selected?.id} onChange={onSelectModel} loadError={modelsLoadError} />
        <button
          type="button"
          data-testid="new-chat-button"
          aria-label="New chat"
          onClick={onNewChat}
          className="inline-flex h-9 shrink-0 items-center gap-1.5 rounded-lg border border-neutral-200 px-2.5 text-sm font-medium text-neutral-700 transition-colors hover:bg-neutral-50 dark:border-neutral-700 dark:text-neutral-200 dark:hover:bg-neutral-800"
        >
          <PlusIcon />
          <span className="hidden sm:inline">New chat</span>
        </button>
      </div>
    </header>
  );
}
