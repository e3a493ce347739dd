import type { ComponentType, ReactNode } from "react";
import type { Note } from "@/lib/ai/tools/notes";
import type { ChatMessage } from "@/lib/chat/types";
import {
  CalculatorIcon,
  ClockIcon,
  CloudSunIcon,
  GlobeIcon,
  ListIcon,
  NoteIcon,
} from "@/components/ui/laterIcons";
import { WrenchIcon } from "@/components/ui/icons";
import { placeName, WeatherCard, WeatherSkeleton } from "./WeatherCard";

type ChatPart = ChatMessage["parts"][number];
export type ToolPart = Extract<ChatPart, { toolCallId: string }>;

type ToolMeta = { label: string; Icon: ComponentType<{ className?: string }> };

/** Human names for the tools; an unknown (dynamic) tool keeps its own name. */
const TOOL_META: Record<string, ToolMeta> = {
  getWeather: { label: "Weather", Icon: CloudSunIcon },
  calculate: { label: "Calculator", Icon: CalculatorIcon },
  getCurrentTime: { label: "Current time", Icon: ClockIcon },
  saveNote: { label: "Save note", Icon: NoteIcon },
  listNotes: { label: "Your notes", Icon: ListIcon },
  getUserTimezone: { label: "Your time zone", Icon: GlobeIcon },
  getPageContext: { label: "This page", Icon: GlobeIcon },
};

export function toolMeta(toolName: string): ToolMeta {
  return TOOL_META[toolName] ?? { label: toolName, Icon: WrenchIcon };
}

/** One line of JSON, for arguments still streaming in and for tools this file does not know. */
export function compactJson(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

const muted = "text-neutral-500 dark:text-neutral-400";

/** "Asia/Tokyo" → "Tokyo", "America/New_York" → "New York". */
function placeOfTimeZone(timeZone: string): string {
  return (timeZone.split("/").at(-1) ?? timeZone).replaceAll("_", " ");
}

function formatInZone(iso: string, timeZone: string): { time: string; date: string } | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  try {
    return {
      time: new Intl.DateTimeFormat(undefined, { timeZone, hour: "numeric", minute: "2-digit" }).format(date),
      date: new Intl.DateTimeFormat(undefined, { timeZone, weekday: "short", day: "numeric", month: "short" }).format(date),
    };
  } catch {
    return undefined;
  }
}

function formatNumber(value: number): string {
  // Enough digits for exact-looking results without float noise like 0.30000000000000004.
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

/** The short text after the tool's label on the card's one line: what was asked, then what came back. */
export function toolSummary(part: ToolPart): ReactNode {
  if (part.state === "input-streaming") {
    // The arguments as the model writes them, live.
    return <span className="font-mono text-xs">{compactJson(part.input)}</span>;
  }
  switch (part.type) {
    case "tool-getWeather": {
      if (part.state === "output-available") {
        // The weather card right below says the rest.
        return placeName(part.output.location);
      }
      return part.input?.city ?? "";
    }
    case "tool-calculate": {
      if (part.state === "output-available") {
        return (
          <span className="font-mono text-[13px]">
            {part.output.expression} = <strong className="font-semibold text-neutral-900 dark:text-neutral-100">{formatNumber(part.output.result)}</strong>
          </span>
        );
      }
      return <span className="font-mono text-[13px]">{part.input?.expression}</span>;
    }
    case "tool-getCurrentTime": {
      const timeZone = (part.state === "output-available" ? part.output.timeZone : part.input?.timeZone) ?? "UTC";
      const place = placeOfTimeZone(timeZone);
      const when = part.state === "output-available" ? formatInZone(part.output.iso, part.output.timeZone) : undefined;
      const zone = place === timeZone ? null : <span className={muted}> ({timeZone})</span>;
      if (!when) {
        return (
          <>
            {place}
            {zone}
          </>
        );
      }
      return (
        <>
          {place} · <strong className="font-semibold text-neutral-900 tabular-nums dark:text-neutral-100">{when.time}</strong>, {when.date}
          {zone}
        </>
      );
    }
    case "tool-saveNote": {
      const title = part.state === "output-available" ? part.output.title : part.input?.title;
      if (!title) return "";
      if (part.state === "output-available") return <>Saved “{title}”</>;
      if (part.state === "output-denied") return <>Not saved: “{title}”</>;
      return <>“{title}”</>;
    }
    case "tool-listNotes": {
      if (part.state !== "output-available") return "";
      const count = part.output.notes.length;
      return count === 0 ? "No notes yet" : `${count} note${count === 1 ? "" : "s"}`;
    }
    case "tool-getUserTimezone": {
      if (part.state === "output-available") return <>Shared your time zone: {part.output.timeZone}</>;
      if (part.state === "input-available") return "Asking your browser…";
      return "";
    }
    case "tool-getPageContext": {
      if (part.state === "input-available") return "Asking the page…";
      if (part.state !== "output-available") return "";
      return part.output.available ? <>Read “{part.output.title ?? part.output.url ?? "this page"}”</> : "The page shared nothing";
    }
    default:
      return (
        <span className="font-mono text-xs">
          {compactJson(part.state === "output-available" ? part.output : part.input)}
        </span>
      );
  }
}

const NOTE_PAPER = "border-amber-200/70 bg-amber-50/60 dark:border-amber-900/40 dark:bg-amber-950/20";
const NOTE_DISCARDED = "border-neutral-200 bg-neutral-50 text-neutral-500 dark:border-neutral-800 dark:bg-neutral-950/40 dark:text-neutral-400";

/** The note as it will be (or was) saved; greyed out when it was not saved. */
function NotePreview({ title, body, discarded }: { title?: string; body?: string; discarded: boolean }) {
  if (!title && !body) return null;
  return (
    <div className="border-t border-neutral-200 px-3 py-2.5 dark:border-neutral-800">
      <div className={`rounded-lg border px-3 py-2 ${discarded ? NOTE_DISCARDED : NOTE_PAPER}`}>
        {title && <p className="font-medium break-words">{title}</p>}
        {body && (
          <p className={`mt-0.5 max-h-40 overflow-y-auto break-words whitespace-pre-wrap ${discarded ? "" : "text-neutral-700 dark:text-neutral-300"}`}>
            {body}
          </p>
        )}
      </div>
    </div>
  );
}

const NOTES_SHOWN = 5;

function NoteList({ notes }: { notes: Note[] }) {
  if (notes.length === 0) return null;
  const rest = notes.length - NOTES_SHOWN;
  return (
    <div className="border-t border-neutral-200 px-3 py-2 dark:border-neutral-800">
      <ul className="divide-y divide-neutral-100 dark:divide-neutral-800">
        {notes.slice(0, NOTES_SHOWN).map((note) => (
          <li key={note.id} className="flex min-w-0 items-baseline gap-2 py-1.5">
            <span className="shrink-0 font-medium">{note.title}</span>
            <span className={`min-w-0 truncate ${muted}`}>{note.body}</span>
          </li>
        ))}
      </ul>
      {rest > 0 && <p className={`pt-1 text-xs ${muted}`}>and {rest} more</p>}
    </div>
  );
}

/** Arguments as "name: value" lines, for approving a tool that has no view of its own. */
export function ArgumentList({ input }: { input: unknown }) {
  if (input === null || typeof input !== "object") return null;
  const entries = Object.entries(input);
  if (entries.length === 0) return null;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 border-t border-neutral-200 px-3 py-2.5 dark:border-neutral-800">
      {entries.map(([key, value]) => (
        <div key={key} className="contents">
          <dt className={muted}>{key}</dt>
          <dd className="min-w-0 break-words whitespace-pre-wrap">{typeof value === "string" ? value : compactJson(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * What a tool shows under its line: the weather card (a same-size placeholder while it loads), the note being
 * saved (also while it waits for approval), the notes listed. Undefined when the one line says it all.
 */
export function toolBody(part: ToolPart, running: boolean): ReactNode {
  switch (part.type) {
    case "tool-getWeather":
      if (part.state === "output-available") return <WeatherCard weather={part.output} />;
      return running ? <WeatherSkeleton /> : undefined;
    case "tool-saveNote": {
      const note = part.state === "output-available" ? part.output : part.input;
      // While the arguments stream in, the preview fills in with them.
      const discarded =
        part.state === "output-denied" ||
        part.state === "output-error" ||
        (part.state === "approval-responded" && !part.approval.approved);
      return <NotePreview title={note?.title} body={note?.body} discarded={discarded} />;
    }
    case "tool-listNotes":
      return part.state === "output-available" ? <NoteList notes={part.output.notes} /> : undefined;
    default:
      return part.state === "approval-requested" ? <ArgumentList input={part.input} /> : undefined;
  }
}
