import type { ReasoningUIPart } from "ai";
import { ChevronDownIcon } from "@/components/ui/icons";
import { BrainIcon } from "@/components/ui/icons";
import { SpinnerIcon } from "@/components/ui/laterIcons";

/** "Thought for 3 s": how long the model's reasoning streamed. */
function thoughtFor(ms: number | undefined): string {
  if (ms === undefined) return "Reasoning";
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 60 ? `Thought for ${seconds} s` : `Thought for ${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * The model's visible reasoning: open while it streams (the reader sees it think), folded away once the answer
 * starts, with how long it took; most readers want the answer, not the scratchpad. A click opens it again.
 */
export function Reasoning({ part, answerEnded, durationMs }: { part: ReasoningUIPart; answerEnded: boolean; durationMs?: number }) {
  const thinking = part.state === "streaming" && !answerEnded;
  return (
    // Open while thinking; when it ends, a new (closed) element whose `open` React leaves to the reader's clicks.
    <details key={thinking ? "thinking" : "done"} data-testid="reasoning" open={thinking || undefined} className="group text-sm">
      <summary
        data-testid="reasoning-summary"
        className="inline-flex cursor-pointer list-none items-center gap-1.5 rounded-md py-1 text-neutral-500 select-none hover:text-neutral-800 dark:text-neutral-400 dark:hover:text-neutral-200 [&::-webkit-details-marker]:hidden"
      >
        {thinking ? <SpinnerIcon className="size-3.5" /> : <BrainIcon className="size-3.5" />}
        {thinking ? "Thinking…" : thoughtFor(durationMs)}
        <ChevronDownIcon className="size-3.5 transition-transform group-open:rotate-180" />
      </summary>
      <div className="mt-1 border-l-2 border-neutral-200 pl-3 whitespace-pre-wrap text-neutral-600 dark:border-neutral-700 dark:text-neutral-400">
        {part.text}
      </div>
    </details>
  );
}
