import { getToolName } from "ai";
import type { ReactNode } from "react";
import type { ChatMessage } from "@/lib/chat/types";
import { AlertIcon, CheckIcon, ChevronDownIcon, ClockIcon, SpinnerIcon, WrenchIcon, XIcon } from "@/components/ui/icons";

type ChatPart = ChatMessage["parts"][number];
export type ToolPart = Extract<ChatPart, { toolCallId: string }>;

type Tone = "busy" | "done" | "error" | "muted";
type StateView = { label: string; icon: ReactNode; tone: Tone };

const TONE_CLASSES: Record<Tone, string> = {
  busy: "text-blue-700 dark:text-blue-300",
  done: "text-emerald-700 dark:text-emerald-400",
  error: "text-red-700 dark:text-red-400",
  muted: "text-neutral-500 dark:text-neutral-400",
};

/** What the card says for each tool state; a call left unfinished by a stopped answer stops spinning. */
function viewOf(part: ToolPart, answerEnded: boolean): StateView {
  switch (part.state) {
    case "input-streaming":
    case "input-available":
      if (answerEnded) return { label: "Stopped", icon: <XIcon />, tone: "muted" };
      return {
        label: part.state === "input-streaming" ? "Preparing…" : "Running…",
        icon: <SpinnerIcon />,
        tone: "busy",
      };
    case "approval-requested":
      return { label: "Waiting for approval", icon: <ClockIcon />, tone: "muted" };
    case "approval-responded":
      return { label: part.approval.approved ? "Approved" : "Declined", icon: <ClockIcon />, tone: "muted" };
    case "output-available":
      return part.preliminary
        ? { label: "Running…", icon: <SpinnerIcon />, tone: "busy" }
        : { label: "Done", icon: <CheckIcon />, tone: "done" };
    case "output-error":
      return { label: "Failed", icon: <AlertIcon />, tone: "error" };
    case "output-denied":
      return { label: "Denied", icon: <XIcon />, tone: "muted" };
  }
}

function toJson(value: unknown): string {
  return value === undefined ? "…" : JSON.stringify(value, null, 2);
}

function JsonBlock({ title, value, streaming = false }: { title: string; value: unknown; streaming?: boolean }) {
  return (
    <div>
      <div className="mb-1 text-xs font-medium text-neutral-500 dark:text-neutral-400">
        {title}
        {streaming && <span className="ml-1 font-normal">(streaming…)</span>}
      </div>
      <pre className="max-h-64 overflow-auto rounded-lg bg-neutral-100 p-3 font-mono text-xs leading-relaxed text-neutral-800 dark:bg-neutral-950 dark:text-neutral-200">
        {toJson(value)}
      </pre>
    </div>
  );
}

type ToolCardProps = {
  part: ToolPart;
  /** The answer is no longer streaming, so a call still "in progress" will never finish. */
  answerEnded: boolean;
};

export function ToolCard({ part, answerEnded }: ToolCardProps) {
  const toolName = getToolName(part);
  const view = viewOf(part, answerEnded);
  const hasOutput = part.state === "output-available";

  return (
    <div
      data-testid="tool-card"
      data-state={part.state}
      data-tool={toolName}
      className="rounded-xl border border-neutral-200 bg-white text-sm dark:border-neutral-800 dark:bg-neutral-900"
    >
      <details className="group">
        <summary className="flex cursor-pointer list-none items-center gap-2.5 rounded-xl px-3 py-2 select-none hover:bg-neutral-50 dark:hover:bg-neutral-800/60 [&::-webkit-details-marker]:hidden">
          <span className="grid size-6 shrink-0 place-items-center rounded-md bg-neutral-100 text-neutral-600 dark:bg-neutral-800 dark:text-neutral-300">
            <WrenchIcon className="size-3.5" />
          </span>
          <span className="min-w-0 truncate font-mono text-[13px] font-medium">{toolName}</span>
          <span
            data-testid="tool-state"
            className={`ml-auto inline-flex shrink-0 items-center gap-1 text-xs font-medium ${TONE_CLASSES[view.tone]}`}
          >
            {view.icon}
            {view.label}
          </span>
          <ChevronDownIcon className="size-4 shrink-0 text-neutral-400 transition-transform group-open:rotate-180" />
        </summary>
        <div className="space-y-3 border-t border-neutral-200 px-3 py-3 dark:border-neutral-800">
          <JsonBlock title="Input" value={part.input} streaming={part.state === "input-streaming" && !answerEnded} />
          {hasOutput && <JsonBlock title="Output" value={part.output} />}
        </div>
      </details>
      {part.state === "output-error" && (
        <p data-testid="tool-error" className="border-t border-red-100 px-3 py-2 text-[13px] text-red-700 dark:border-red-950 dark:text-red-300">
          {part.errorText}
        </p>
      )}
    </div>
  );
}
