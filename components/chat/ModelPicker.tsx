import type { ModelCapability, ModelSummary } from "@/lib/chat/types";
import { BrainIcon, ChevronDownIcon, ImageIcon, WrenchIcon, WrenchOffIcon } from "@/components/ui/icons";

type ModelPickerProps = {
  models: ModelSummary[];
  value: string | undefined;
  onChange: (modelId: string) => void;
  /** Set when GET /api/models failed; the server's default model still answers. */
  loadError: boolean;
};

/** Each provider's name in the picker; a Record, so a new provider cannot be left without one. */
const PROVIDER_LABELS: Record<ModelSummary["provider"], string> = {
  openai: "OpenAI",
  "workers-ai": "Workers AI",
  anthropic: "Anthropic",
  google: "Google Gemini",
  demo: "Demo",
};

/** How each capability is shown, in this order; a Record, so a new capability cannot be left without a badge. */
const CAPABILITIES: Record<ModelCapability, { label: string; help: string; Icon: typeof WrenchIcon }> = {
  supportsTools: {
    label: "Tools",
    help: "Can call tools: weather, calculator, time, notes and your time zone.",
    Icon: WrenchIcon,
  },
  supportsReasoning: {
    label: "Reasoning",
    help: "Thinks before it answers; when the provider sends its thinking, it shows above the answer.",
    Icon: BrainIcon,
  },
  supportsImages: {
    label: "Images",
    help: "The model can read images, but this chat sends text only: there is nothing to attach.",
    Icon: ImageIcon,
  },
};

const TOOLS_OFF_HELP =
  "This model cannot call tools, so weather, calculator, time, notes and your time zone are off while it is " +
  "selected. Pick another model to use them.";

function capabilitiesOf(model: ModelSummary): ModelCapability[] {
  return (Object.keys(CAPABILITIES) as ModelCapability[]).filter((capability) => model[capability]);
}

/** "claude-sonnet-4-5 · tools · reasoning · images": what each model can do, seen while choosing. */
function optionLabel(model: ModelSummary): string {
  const words = capabilitiesOf(model).map((capability) => CAPABILITIES[capability].label.toLowerCase());
  return [model.label, ...(model.supportsTools ? [] : ["tools off"]), ...words].join(" · ");
}

/** The models under their providers, providers in the order they first appear (the server's order). */
function byProvider(models: ModelSummary[]): [ModelSummary["provider"], ModelSummary[]][] {
  const groups = new Map<ModelSummary["provider"], ModelSummary[]>();
  for (const model of models) groups.set(model.provider, [...(groups.get(model.provider) ?? []), model]);
  return [...groups];
}

const BADGE_CLASSES =
  "inline-flex h-6 shrink-0 cursor-help items-center gap-1 rounded-full border border-neutral-200 bg-neutral-50 px-1.5 text-xs font-medium whitespace-nowrap text-neutral-600 sm:px-2 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-300";

/** The selected model's capabilities as badges (words from `sm` up, icons alone on a phone), or "Tools off". */
export function ModelBadges({ model }: { model: ModelSummary }) {
  const badges = [
    ...(model.supportsTools ? [] : [{ key: "tools-off", label: "Tools off", help: TOOLS_OFF_HELP, Icon: WrenchOffIcon }]),
    ...capabilitiesOf(model).map((capability) => ({ key: capability, ...CAPABILITIES[capability] })),
  ];
  return (
    <ul data-testid="model-capabilities" aria-label={`What ${model.label} can do`} className="flex shrink-0 items-center gap-1">
      {badges.map(({ key, label, help, Icon }) => (
        <li key={key} data-testid="model-capability" data-capability={key} title={help} className={BADGE_CLASSES}>
          <Icon className="size-3.5" />
          <span className="sr-only sm:not-sr-only">{label}</span>
          <span className="sr-only">: {help}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * A native select (the keyboard, screen readers and a phone's own picker work as they should), invisible over a face
 * that shows the chosen model's name alone: the options also list what each model can do, too long for the header.
 */
export function ModelPicker({ models, value, onChange, loadError }: ModelPickerProps) {
  const selected = models.find((model) => model.id === value);
  const placeholder = loadError ? "Default model" : "Loading models…";
  return (
    <div className="relative min-w-0">
      <select
        data-testid="model-picker"
        aria-label="Model"
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value)}
        disabled={models.length === 0}
        title={loadError ? "Could not load the model list; the server's default model answers." : undefined}
        // Invisible, but its colours theme the options' list.
        className="peer absolute inset-0 size-full cursor-pointer appearance-none bg-white text-sm text-neutral-800 opacity-0 disabled:cursor-default dark:bg-neutral-900 dark:text-neutral-100"
      >
        {models.length === 0 ? (
          <option value="">{placeholder}</option>
        ) : (
          byProvider(models).map(([provider, group]) => (
            <optgroup key={provider} label={PROVIDER_LABELS[provider]}>
              {group.map((model) => (
                <option key={model.id} value={model.id}>
                  {optionLabel(model)}
                </option>
              ))}
            </optgroup>
          ))
        )}
      </select>
      <div
        aria-hidden="true"
        data-testid="model-picker-face"
        className="pointer-events-none flex h-9 max-w-56 min-w-0 items-center gap-2 rounded-lg border border-neutral-200 bg-white pr-2.5 pl-3 text-sm font-medium text-neutral-800 transition-colors peer-hover:bg-neutral-50 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-blue-600 peer-disabled:opacity-70 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100 dark:peer-hover:bg-neutral-800"
      >
        <span className="min-w-0 flex-1 truncate">{selected?.label ?? placeholder}</span>
        <ChevronDownIcon className="size-4 shrink-0 text-neutral-500" />
      </div>
    </div>
  );
}
