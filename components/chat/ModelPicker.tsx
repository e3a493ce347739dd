import type { ModelSummary } from "@/lib/chat/types";
import { ChevronDownIcon } from "@/components/ui/icons";

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

function optionLabel(model: ModelSummary): string {
  return model.supportsTools ? model.label : `${model.label} (tools off)`;
}

/** The models under their providers, providers in the order they first appear (the server's order). */
function byProvider(models: ModelSummary[]): [ModelSummary["provider"], ModelSummary[]][] {
  const groups = new Map<ModelSummary["provider"], ModelSummary[]>();
  for (const model of models) groups.set(model.provider, [...(groups.get(model.provider) ?? []), model]);
  return [...groups];
}

export function ModelPicker({ models, value, onChange, loadError }: ModelPickerProps) {
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
        className="h-9 w-full max-w-56 min-w-0 cursor-pointer appearance-none truncate rounded-lg border border-neutral-200 bg-white pr-8 pl-3 text-sm font-medium text-neutral-800 transition-colors hover:bg-neutral-50 disabled:cursor-default disabled:opacity-70 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100 dark:hover:bg-neutral-800"
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
      <ChevronDownIcon className="pointer-events-none absolute top-1/2 right-2.5 size-4 -translate-y-1/2 text-neutral-500" />
    </div>
  );
}
