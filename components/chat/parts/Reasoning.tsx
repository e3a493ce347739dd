import type { ReasoningUIPart } from "ai";
import { BrainIcon, ChevronDownIcon, SpinnerIcon } from "@/components/ui/icons";

/** The model's visible reasoning, collapsed by default: most readers want the answer, not the scratchpad. */
export function Reasoning({ part, answerEnded }: { part: ReasoningUIPart; answerEnded: boolean }) {
  const thinking = part.state === "streaming" && !answerEnded;
  return (
    <details data-testid="reasoning" className="group text-sm">
      <summary className="inline-flex cursor-pointer list-none items-center gap-1.5 rounded-md py-1 text-neutral-500 select-none hover:text-neutral-800 dark:text-neutral-400 dark:hover:text-neutral-200 [&::-webkit-details-marker]:hidden">
        {thinking ? <SpinnerIcon className="size-3.5" /> : <BrainIcon className="size-3.5" />}
        {thinking ? "Thinking…" : "Reasoning"}
        <ChevronDownIcon className="size-3.5 transition-transform group-open:rotate-180" />
      </summary>
      <div className="mt-1 border-l-2 border-neutral-200 pl-3 whitespace-pre-wrap text-neutral-600 dark:border-neutral-700 dark:text-neutral-400">
        {part.text}
      </div>
    </details>
  );
}
