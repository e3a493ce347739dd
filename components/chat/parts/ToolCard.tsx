"use client";

import { getToolName } from "ai";
import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from "react";
import { ChevronDownIcon, XIcon } from "@/components/ui/icons";
import { AlertIcon, CheckIcon, ClockIcon, SpinnerIcon } from "@/components/ui/laterIcons";
import { useToolApproval } from "./toolApproval";
import { toolBody, toolMeta, toolSummary, type ToolPart } from "./toolViews";
import { toolErrorSummary } from "./toolError";

export type { ToolPart } from "./toolViews";

type Tone = "busy" | "done" | "error" | "muted" | "attention";
type StateView = { label: string; icon: ReactNode; tone: Tone; running: boolean };

const TONE_CLASSES: Record<Tone, string> = {
  busy: "text-blue-700 dark:text-blue-300",
  done: "text-emerald-700 dark:text-emerald-400",
  error: "text-red-700 dark:text-red-400",
  muted: "text-neutral-500 dark:text-neutral-400",
  attention: "text-amber-700 dark:text-amber-300",
};

const CARD_BORDER: Record<Tone, string> = {
  busy: "border-neutral-200 dark:border-neutral-800",
  done: "border-neutral-200 dark:border-neutral-800",
  muted: "border-neutral-200 dark:border-neutral-800",
  error: "border-red-200 dark:border-red-900/60",
  attention: "border-amber-300 dark:border-amber-700/70",
};

const ICON = "size-3.5";
const running = (label: string): StateView => ({ label, icon: <SpinnerIcon className={ICON} />, tone: "busy", running: true });
const settled = (label: string, icon: ReactNode, tone: Tone): StateView => ({ label, icon, tone, running: false });

/**
 * What the card says for each tool state. A call left unfinished when the answer ended (Stop, an error) will never
 * finish, so it stops spinning; an approval request in an older message can no longer be answered.
 */
function viewOf(part: ToolPart, answerEnded: boolean, canRespond: boolean): StateView {
  switch (part.state) {
    case "input-streaming":
    case "input-available":
      if (answerEnded) return settled("Stopped", <XIcon className={ICON} />, "muted");
      return running(part.state === "input-streaming" ? "Preparing…" : "Running…");
    case "approval-requested":
      return canRespond
        ? settled("Needs approval", <ClockIcon className={ICON} />, "attention")
        : settled("Not answered", <ClockIcon className={ICON} />, "muted");
    case "approval-responded":
      if (!part.approval.approved) return settled("Declined", <XIcon className={ICON} />, "muted");
      return answerEnded ? settled("Approved", <CheckIcon className={ICON} />, "muted") : running("Running…");
    case "output-available":
      return part.preliminary && !answerEnded ? running("Running…") : settled("Done", <CheckIcon className={ICON} />, "done");
    case "output-error":
      return settled("Failed", <AlertIcon className={ICON} />, "error");
    case "output-denied":
      return settled("Denied", <XIcon className={ICON} />, "muted");
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

const BUTTON =
  "inline-flex h-8 shrink-0 items-center justify-center gap-1.5 rounded-lg px-3 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-60";

/** Approve / Deny, with an optional reason for a denial that goes back to the model. */
type ApprovalControlsProps = { approvalId: string; label: string; question: string; onAnswer: () => void };

function ApprovalControls({ approvalId, label, question, onAnswer }: ApprovalControlsProps) {
  const respond = useToolApproval();
  const [reasonOpen, setReasonOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [sent, setSent] = useState(false);
  const reasonId = useId();

  const answer = (approved: boolean) => {
    if (!respond || sent) return;
    setSent(true);
    onAnswer();
    const trimmed = reason.trim();
    respond({ id: approvalId, approved, reason: !approved && trimmed ? trimmed : undefined });
  };

  return (
    <div className="border-t border-neutral-200 dark:border-neutral-800">
      <div className="flex min-h-12 flex-wrap items-center gap-2 px-3 py-2">
        <p className="min-w-0 flex-1 text-[13px] text-neutral-700 max-sm:sr-only dark:text-neutral-300">{question}</p>
        <div className="ml-auto flex items-center gap-2">
          <button
            type="button"
            aria-expanded={reasonOpen}
            aria-controls={reasonId}
            onClick={() => setReasonOpen((open) => !open)}
            className="h-8 rounded-lg px-2 text-xs font-medium text-neutral-500 hover:bg-neutral-100 hover:text-neutral-800 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-200"
          >
            {reasonOpen ? "No reason" : "Add reason"}
          </button>
          <button
            type="button"
            data-testid="deny-button"
            aria-label={`Deny ${label}`}
            disabled={!respond || sent}
            onClick={() => answer(false)}
            className={`${BUTTON} border border-neutral-300 bg-white text-neutral-800 hover:bg-neutral-50 dark:border-neutral-600 dark:bg-neutral-900 dark:text-neutral-100 dark:hover:bg-neutral-800`}
          >
            Deny
          </button>
          <button
            type="button"
            data-testid="approve-button"
            aria-label={`Approve ${label}`}
            disabled={!respond || sent}
            onClick={() => answer(true)}
            className={`${BUTTON} bg-neutral-900 text-white hover:bg-neutral-700 dark:bg-white dark:text-neutral-900 dark:hover:bg-neutral-200`}
          >
            <CheckIcon className="size-3.5" />
            Approve
          </button>
        </div>
      </div>
      <div id={reasonId} hidden={!reasonOpen} className="px-3 pb-2.5">
        <input
          type="text"
          value={reason}
          maxLength={300}
          onChange={(event) => setReason(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.nativeEvent.isComposing) {
              event.preventDefault();
              answer(false);
            }
          }}
          aria-label={`Reason for denying ${label} (optional)`}
          placeholder="Why not? Sent to the assistant with Deny (optional)"
          className="h-9 w-full rounded-lg border border-neutral-300 bg-white px-3 text-sm placeholder:text-neutral-400 focus:border-neutral-400 focus:outline-none focus-visible:outline-2 focus-visible:outline-blue-500 dark:border-neutral-700 dark:bg-neutral-950 dark:placeholder:text-neutral-500"
        />
      </div>
    </div>
  );
}

type Approval = { approved?: boolean; reason?: string };

/** After the user answered: the same height as the buttons it replaces, so nothing below moves. */
function ApprovalOutcome({ approval, outcomeRef }: { approval: Approval; outcomeRef: RefObject<HTMLParagraphElement | null> }) {
  return (
    <p
      ref={outcomeRef}
      tabIndex={-1}
      className="flex min-h-12 items-center gap-1.5 border-t border-neutral-200 px-3 py-2 text-[13px] text-neutral-600 focus-visible:-outline-offset-2 dark:border-neutral-800 dark:text-neutral-400"
    >
      {approval.approved ? (
        <CheckIcon className="size-3.5 shrink-0 text-emerald-600 dark:text-emerald-400" />
      ) : (
        <XIcon className="size-3.5 shrink-0" />
      )}
      <span className="min-w-0 break-words">
        {approval.approved ? "You approved this." : "You declined this."}
        {!approval.approved && approval.reason && <> Reason: “{approval.reason}”</>}
      </span>
    </p>
  );
}

function approvalOf(part: ToolPart): (Approval & { id: string }) | undefined {
  return "approval" in part ? part.approval : undefined;
}

type ToolCardProps = {
  part: ToolPart;
  /** The answer is no longer streaming, so a call still "in progress" will never finish. */
  answerEnded: boolean;
  /** The card is in the latest message, so an approval request can still be answered. */
  canRespond?: boolean;
};

export function ToolCard({ part, answerEnded, canRespond = true }: ToolCardProps) {
  const toolName = getToolName(part);
  const { label, Icon } = toolMeta(toolName);
  const view = viewOf(part, answerEnded, canRespond);
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const approval = approvalOf(part);
  const summary = toolSummary(part);
  const body = toolBody(part, view.running);

  // Whoever pressed Approve or Deny lands on the outcome that replaced the buttons, not on <body>.
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  const answered = useRef(false);
  useEffect(() => {
    if (part.state === "approval-requested" || !answered.current) return;
    answered.current = false;
    if (document.activeElement === document.body) outcomeRef.current?.focus();
  }, [part.state]);

  const error = part.state === "output-error" ? toolErrorSummary(part.errorText) : undefined;

  return (
    <div
      data-testid="tool-card"
      data-state={part.state}
      data-tool={toolName}
      className={`overflow-hidden rounded-xl border bg-white text-sm transition-colors dark:bg-neutral-900 ${CARD_BORDER[view.tone]}`}
    >
      <button
        type="button"
        aria-expanded={open}
        aria-controls={detailsId}
        onClick={() => setOpen((value) => !value)}
        className="flex w-full items-start gap-2.5 px-3 py-2 text-left hover:bg-neutral-50 focus-visible:-outline-offset-2 dark:hover:bg-neutral-800/60"
      >
        <span className="grid size-6 shrink-0 place-items-center rounded-md bg-neutral-100 text-neutral-600 dark:bg-neutral-800 dark:text-neutral-300">
          <Icon className="size-3.5" />
        </span>
        <span className="flex min-w-0 flex-1 flex-wrap items-baseline gap-x-2 py-0.5">
          <span className="shrink-0 font-medium">{label}</span>
          <span data-testid="tool-summary" className="line-clamp-2 max-w-full min-w-0 break-words text-neutral-600 dark:text-neutral-400">
            {summary}
          </span>
        </span>
        <span
          data-testid="tool-state"
          className={`inline-flex h-6 shrink-0 items-center gap-1 text-xs font-medium ${TONE_CLASSES[view.tone]}`}
        >
          {view.icon}
          {view.label}
        </span>
        <span className="grid h-6 shrink-0 place-items-center">
          <ChevronDownIcon className={`size-4 text-neutral-400 transition-transform ${open ? "rotate-180" : ""}`} />
        </span>
        <span className="sr-only">{open ? ", hide details" : ", show details"}</span>
      </button>

      {body}

      {part.state === "approval-requested" && canRespond && (
        <ApprovalControls
          approvalId={part.approval.id}
          label={label}
          question={toolName === "saveNote" ? "Save this note?" : `Allow ${label} to run?`}
          onAnswer={() => (answered.current = true)}
        />
      )}
      {part.state === "approval-requested" && !canRespond && (
        <p className="flex min-h-12 items-center border-t border-neutral-200 px-3 py-2 text-[13px] text-neutral-500 dark:border-neutral-800 dark:text-neutral-400">
          This request was not answered, so it did not run.
        </p>
      )}
      {approval && part.state !== "approval-requested" && approval.approved !== undefined && (
        <ApprovalOutcome approval={approval} outcomeRef={outcomeRef} />
      )}

      {part.state === "output-error" && (
        <p
          data-testid="tool-error"
          className="flex items-start gap-2 border-t border-red-100 bg-red-50/60 px-3 py-2 text-[13px] text-red-800 dark:border-red-950 dark:bg-red-950/30 dark:text-red-200"
        >
          <AlertIcon className="mt-0.5 size-3.5 shrink-0 text-red-600 dark:text-red-400" />
          <span className="min-w-0 break-words">{error?.summary}</span>
        </p>
      )}

      <div id={detailsId} hidden={!open} className="space-y-3 border-t border-neutral-200 px-3 py-3 dark:border-neutral-800">
        {open && (
          <>
            <JsonBlock title="Input" value={part.input} streaming={part.state === "input-streaming" && !answerEnded} />
            {part.state === "output-available" && <JsonBlock title="Output" value={part.output} />}
            {error?.details && <JsonBlock title="Error" value={error.details} />}
          </>
        )}
      </div>
    </div>
  );
}
