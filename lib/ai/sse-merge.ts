/**
 * Merges a model's adjacent text events into one, before its provider parses them. Every SSE event costs CPU all the
 * way down (the provider's parsing and validation, streamText, the UI message stream, the responses): in workerd that
 * work per event, not the bytes, is what a streamed answer costs (README, Performance). A model sends one token per
 * event; merged, a burst of them is parsed once.
 *
 * Only events that differ in nothing but their text merge: the same event name and the same JSON once the text is
 * taken out (and the padding a provider adds to every event), with text in the same fields. Anything else (a tool
 * call, a step's end, usage, an error, a comment, `[DONE]`) passes through unchanged and first sends out what was
 * held, so nothing is reordered or merged across it. The text is the same string, only in fewer events.
 *
 * Pacing: what is held goes out at the end of each chunk read from the network when no window is open, so the first
 * token is never delayed; then at most once per ANSWER_UPDATE_MS (lib/chat/pacing.ts) while the model keeps sending.
 * Applied by the providers' fetch and the Workers AI binding (lib/ai/upstream-body.ts).
 */

import { ANSWER_UPDATE_MS } from "@/lib/chat/pacing";

/** A text field: where a provider's streaming events carry a piece of the answer (or of its reasoning). */
type TextPath = readonly (string | number)[];

/** The text fields of each wire format the app's providers speak. */
const TEXT_PATHS: TextPath[] = [
  // OpenAI Chat Completions and compatible servers (xAI, DeepSeek, vLLM, Ollama), Workers AI's OpenAI-style models.
  ["choices", 0, "delta", "content"],
  ["choices", 0, "delta", "reasoning_content"],
  ["choices", 0, "delta", "reasoning"],
  // OpenAI Responses: response.output_text.delta, response.reasoning_summary_text.delta, response.reasoning_text.delta.
  ["delta"],
  // Anthropic Messages: content_block_delta with a text_delta or thinking_delta.
  ["delta", "text"],
  ["delta", "thinking"],
  // Workers AI's own format.
  ["response"],
];

/** Which Responses events carry text in `delta` (its other `delta` events are tool call arguments). */
const RESPONSES_TEXT_EVENTS = new Set([
  "response.output_text.delta",
  "response.reasoning_summary_text.delta",
  "response.reasoning_text.delta",
]);

/** Fields a provider fills with something new in every event that means nothing (OpenAI's and Workers AI's padding, a counter). */
const VOLATILE_FIELDS = ["obfuscation", "p", "sequence_number"];

type Json = Record<string | number, unknown>;

function at(value: unknown, path: TextPath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Json)[key];
  }
  return current;
}

function setAt(value: Json, path: TextPath, text: string): void {
  let current = value;
  for (const key of path.slice(0, -1)) current = current[key] as Json;
  current[path[path.length - 1]] = text;
}

/** An event that may merge with its neighbours: its parsed data, its text fields, and what must match to merge. */
type TextEvent = { name: string; data: Json; paths: TextPath[]; texts: string[][]; key: string };

/** One SSE event's text (without its blank line) as a text event, or undefined when it must pass unchanged. */
function textEvent(raw: string): TextEvent | undefined {
  let name = "";
  let data: string | undefined;
  for (const line of raw.split("\n")) {
    if (line.startsWith("data: ") && data === undefined) data = line.slice(6);
    else if (line.startsWith("event: ") && !name) name = line.slice(7);
    else return undefined; // a comment, an id, a second data line, another spelling: leave it as it is
  }
  if (data === undefined || data[0] !== "{") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const event = parsed as Json;
  if (Array.isArray(event.choices) && event.choices.length !== 1) return undefined;
  if (typeof event.delta === "string" && !RESPONSES_TEXT_EVENTS.has(event.type as string)) return undefined;
  const paths = TEXT_PATHS.filter((path) => {
    const text = at(event, path);
    return typeof text === "string" && text !== "";
  });
  if (paths.length === 0) return undefined;
  const texts = paths.map((path) => [at(event, path) as string]);
  // The key: the event without its text and padding (taken out for a moment, to spare a copy). Text fields that are
  // set must be the same ones.
  const volatile = VOLATILE_FIELDS.map((field) => event[field]);
  for (const field of VOLATILE_FIELDS) delete event[field];
  for (const path of paths) setAt(event, path, "\u0000");
  const key = `${name}\n${JSON.stringify(event)}`;
  VOLATILE_FIELDS.forEach((field, i) => volatile[i] !== undefined && (event[field] = volatile[i]));
  paths.forEach((path, i) => setAt(event, path, texts[i][0]));
  return { name, data: event, paths, texts, key };
}

function serialize(event: TextEvent): string {
  if (event.texts[0].length > 1) event.paths.forEach((path, i) => setAt(event.data, path, event.texts[i].join("")));
  return `${event.name ? `event: ${event.name}\n` : ""}data: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * The merging, free of streams and timers: `push` takes the text read from the network and returns what may go out
 * now; `takeHeld` what it holds back (a merged text event being extended); `end` the rest.
 */
export class SseTextMerger {
  private buffer = "";
  private held: TextEvent | undefined;
  /** A chunk that ended in "\r": it may be the first half of "\r\n". */
  private carriageReturn = false;

  push(text: string): string {
    if (this.carriageReturn) text = `\r${text}`;
    this.carriageReturn = text.endsWith("\r");
    if (this.carriageReturn) text = text.slice(0, -1);
    // SSE lines may end in \r\n or \r (Python's sse-starlette sends \r\n); read as \n, the events mean the same.
    this.buffer += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
    let out = "";
    let start = 0;
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n", start)) {
      const raw = this.buffer.slice(start, end);
      start = end + 2;
      const event = textEvent(raw);
      if (event && this.held?.key === event.key) {
        this.held.texts.forEach((texts, i) => texts.push(event.texts[i][0]));
        continue;
      }
      out += this.takeHeld();
      if (event) this.held = event;
      else out += `${raw}\n\n`;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  takeHeld(): string {
    const held = this.held;
    this.held = undefined;
    return held ? serialize(held) : "";
  }

  /** Everything left: what is held, then an unfinished last event as it came. */
  end(): string {
    const rest = this.takeHeld() + this.buffer + (this.carriageReturn ? "\n" : "");
    this.buffer = "";
    this.carriageReturn = false;
    return rest;
  }
}

/**
 * The pacing: what the merger lets out goes to `send` at once; what it holds goes out at the end of a read when no
 * window is open (so the first token is never delayed), then once per ANSWER_UPDATE_MS while the model keeps sending.
 */
export class TextEventWindow {
  private readonly merger = new SseTextMerger();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: (text: string) => void) {}

  /** Takes what one read brought. */
  push(text: string): void {
    this.send(this.merger.push(text));
    if (!this.timer) this.tick();
  }

  /** Everything left, to send before the end or an error. */
  end(): string {
    this.cancel();
    return this.merger.end();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = () => {
    const held = this.merger.takeHeld();
    try {
      this.send(held);
    } catch {
      return; // the reader went away
    }
    // The window stays open while the model keeps sending; it closes after one with nothing new.
    this.timer = held ? setTimeout(this.tick, ANSWER_UPDATE_MS) : undefined;
  };
}
