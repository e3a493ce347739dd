import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import type { Weather } from "@/lib/ai/tools/get-weather";
import type { Note } from "@/lib/ai/tools/notes";
import { HOSTILE_PROMPT, hostileMarkdown, pixelOriginFromPrompt } from "./demo-hostile";

/**
 * The offline demo model: a real AI SDK language model (spec v4) that needs no network or key.
 * It streams a deterministic markdown answer word by word, calls a tool when the prompt asks for
 * what a tool knows, answers from tool results, reports usage and stops at once on abort.
 * "Show me hostile markdown" gets an answer full of XSS and exfiltration attempts (./demo-hostile.ts), to see that
 * the page renders model output inert.
 */
export const DEMO_MODEL_ID = "offline";

type DemoToolCall = { toolName: string; input: Record<string, unknown> };
/** `reasoning`: what the demo "thinks" before it answers (streamed as reasoning parts, as reasoning models do). */
type DemoTurn = { kind: "text"; text: string; reasoning?: string } | { kind: "tool-calls"; calls: DemoToolCall[] };

/** The prompt that shows a reasoning model's thinking: "think it through", "step by step", "reason about…". */
const REASONING_PROMPT = /\b(think it through|think step by step|step by step|reason about)\b/i;

function demoReasoning(question: string): string {
  return [
    `The question is "${question.slice(0, 80)}". Before answering, a reasoning model works it out here, and edge-chat`,
    "shows this part as Thinking: open while it streams, then folded away with how long it took, so the answer itself",
    "stays in front. The steps: read the question, recall what is known about it, check the pieces against each other,",
    "notice what is still unsure, and only then write the answer below, which is kept apart from this scratchpad.",
  ].join(" ");
}

const CITY_TIME_ZONES: Record<string, string> = {
  tokyo: "Asia/Tokyo",
  paris: "Europe/Paris",
  london: "Europe/London",
  berlin: "Europe/Berlin",
  sydney: "Australia/Sydney",
  "new york": "America/New_York",
  "san francisco": "America/Los_Angeles",
  "los angeles": "America/Los_Angeles",
  singapore: "Asia/Singapore",
  utc: "UTC",
};

function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i];
    if (message.role === "user") {
      return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join(" ");
    }
  }
  return "";
}

/** Tool results the model has not answered yet: the tool messages after the last assistant text. */
function pendingToolResults(prompt: LanguageModelV4Prompt) {
  const last = prompt.at(-1);
  if (last?.role !== "tool") return [];
  return last.content.flatMap((part) => (part.type === "tool-result" ? [part] : []));
}

const KNOWN_PLACES: Record<string, string> = {
  tokyo: "Tokyo",
  paris: "Paris",
  london: "London",
  berlin: "Berlin",
  sydney: "Sydney",
  "new york": "New York",
  "san francisco": "San Francisco",
  "los angeles": "Los Angeles",
  singapore: "Singapore",
};

/** Places named in a prompt, in order: known cities first, else capitalised names after "in" / "and". */
export function placesInPrompt(text: string): string[] {
  const lower = text.toLowerCase();
  const known = Object.keys(KNOWN_PLACES)
    .map((key) => ({ key, at: lower.indexOf(key) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at)
    .map(({ key }) => KNOWN_PLACES[key]);
  if (known.length > 0) return known;
  const named = [...text.matchAll(/\b(?:in|and|for) ([A-Z][a-zA-Z]+(?: [A-Z][a-zA-Z]+)?)/g)].map((match) => match[1]);
  return [...new Set(named)];
}

/** "What time is it in Tokyo?" → Asia/Tokyo; an explicit IANA name wins; an unknown place is passed through as is. */
export function timeZonesFromPrompt(text: string): string[] {
  if (!/\b(time|clock|date)\b/i.test(text)) return [];
  const iana = text.match(/\b[A-Z][A-Za-z_]+\/[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_]+)?\b/);
  if (iana) return [iana[0]];
  const zones = placesInPrompt(text).map((place) => CITY_TIME_ZONES[place.toLowerCase()] ?? place);
  return zones.length > 0 ? zones : ["UTC"];
}

/** "Calculate (17.5 * 3) / 4" or "What is 2^10?" → the expression, when it looks like arithmetic. */
export function expressionFromPrompt(text: string): string | undefined {
  const match = text.match(/\b(?:calculate|compute|evaluate|what(?:'s| is))\s+(.+?)[?.!\s]*$/i);
  const expression = match?.[1].trim();
  if (!expression || !/\d/.test(expression) || !/[-+*/%^()]|sqrt|\d\s*\w+\(/i.test(expression)) return undefined;
  return expression;
}

/** "Save a note: buy milk" / "Remember that the demo is at 3pm" → a title and body for saveNote. */
export function noteFromPrompt(text: string): { title: string; body: string } | undefined {
  const match = text.match(/\b(?:save (?:a )?note|take (?:a )?note|note down|remember)(?: that| to)?\s*[:,-]?\s*(.+)$/is);
  const body = match?.[1].trim().replace(/[.!]+$/, "");
  if (!body) return undefined;
  const words = body.split(/\s+/);
  const title = words.slice(0, 6).join(" ") + (words.length > 6 ? "…" : "");
  return { title: title.charAt(0).toUpperCase() + title.slice(1), body };
}

/** What the demo model calls for a question, in this order of precedence; empty when it just answers. */
export function toolCallsForPrompt(question: string): DemoToolCall[] {
  if (/\b(this|the) (page|site|website|article)\b/i.test(question) && /\b(what|about|summar)/i.test(question)) {
    return [{ toolName: "getPageContext", input: {} }];
  }
  if (/\b(my|local) (time ?zone|timezone|local time)\b|\bwhere am i\b|\bmy time\b/i.test(question)) {
    return [{ toolName: "getUserTimezone", input: {} }];
  }
  if (/\b(list|show|read|what are)\b.*\bnotes\b/i.test(question)) return [{ toolName: "listNotes", input: {} }];
  const note = noteFromPrompt(question);
  if (note) return [{ toolName: "saveNote", input: note }];
  const expression = expressionFromPrompt(question);
  if (expression) return [{ toolName: "calculate", input: { expression } }];

  const calls: DemoToolCall[] = [];
  if (/\b(weather|forecast|temperature|rain|sunny)\b/i.test(question)) {
    const places = placesInPrompt(question);
    for (const city of places.length > 0 ? places : ["London"]) calls.push({ toolName: "getWeather", input: { city } });
  }
  for (const timeZone of timeZonesFromPrompt(question)) calls.push({ toolName: "getCurrentTime", input: { timeZone } });
  return calls;
}

function describeOutput(output: LanguageModelV4ToolResultOutput): { ok: boolean; text: string } {
  switch (output.type) {
    case "text":
      return { ok: true, text: output.value };
    case "json":
      return { ok: true, text: JSON.stringify(output.value) };
    case "error-text":
      return { ok: false, text: output.value };
    case "error-json":
      return { ok: false, text: JSON.stringify(output.value) };
    case "execution-denied":
      return { ok: false, text: output.reason ?? "The user denied this tool call." };
    default:
      return { ok: true, text: "(content)" };
  }
}

type ToolResult = ReturnType<typeof pendingToolResults>[number];

/** One markdown line per tool result, the way a model would summarise it. */
function describeResult(result: ToolResult): string {
  if (result.output.type === "execution-denied") {
    return `- You declined the \`${result.toolName}\` call, so I did not run it.`;
  }
  const { ok, text } = describeOutput(result.output);
  if (!ok) return `- The \`${result.toolName}\` tool failed: ${text}`;
  if (result.output.type !== "json") return `- \`${result.toolName}\` returned: ${text}`;
  // The shapes of our own tools' outputs (lib/ai/tools); the demo only reads what it prints.
  const value = result.output.value as never;
  switch (result.toolName) {
    case "getCurrentTime": {
      const time: { timeZone: string; local: string } = value;
      return `- In **${time.timeZone}** it is currently **${time.local}**.`;
    }
    case "getWeather": {
      const { location, current }: Weather = value;
      const place = [location.name, location.country].filter(Boolean).join(", ");
      return `- In **${place}** it is **${current.temperatureC} °C** and ${current.condition.toLowerCase()}.`;
    }
    case "calculate": {
      const calculation: { expression: string; result: number } = value;
      return `- \`${calculation.expression}\` = **${calculation.result}**`;
    }
    case "saveNote": {
      const note: Note = value;
      return `- I saved your note **${note.title}**. Ask me to "list my notes" to see it again.`;
    }
    case "listNotes": {
      const { notes }: { notes: Note[] } = value;
      if (notes.length === 0) return "- You have no saved notes yet.";
      const count = `${notes.length} saved note${notes.length === 1 ? "" : "s"}`;
      return [`- You have ${count}:`, ...notes.map((note) => `  - **${note.title}**: ${note.body}`)].join("\n");
    }
    case "getUserTimezone": {
      const browser: { timeZone: string; locale: string; localTime: string } = value;
      return `- Your browser says your time zone is **${browser.timeZone}** (locale ${browser.locale}); your local time is **${browser.localTime}**.`;
    }
    case "getPageContext": {
      const page: { available: boolean; title?: string; url?: string; text?: string } = value;
      if (!page.available) return "- The page this chat is on did not share anything about itself.";
      const about = page.text ? ` It says: "${page.text.slice(0, 300)}"` : "";
      return `- This page is **${page.title || "untitled"}** (${page.url || "no URL"}).${about}`;
    }
    default:
      return `- \`${result.toolName}\` returned: \`${text}\``;
  }
}

function answerFromToolResults(results: ToolResult[]): string {
  return [
    "Here is what the tools told me:",
    "",
    ...results.map(describeResult),
    "",
    "_(Answered by the offline demo model from the tool results above.)_",
  ].join("\n");
}

function demoAnswer(question: string): string {
  const quoted = question.trim().replace(/\s+/g, " ").slice(0, 160) || "(an empty message)";
  const sections = [
    `> **Demo model.** This answer comes from edge-chat's built-in offline demo, not a real language model. Set \`OPENAI_API_KEY\`, \`ANTHROPIC_API_KEY\`, \`GOOGLE_GENERATIVE_AI_API_KEY\` or Cloudflare credentials for real answers.`,
    "",
    `You asked: _${quoted.replace(/[_*`]/g, "")}_`,
    "",
    "## What this demo shows",
    "",
    "- **Streaming**: the answer arrives word by word, the way a real model streams it.",
    "- **Markdown**: headings, lists, `inline code`, tables and highlighted code blocks.",
    "- **Tools**: ask _\"What's the weather and the time in Paris?\"_, _\"Calculate (17.5 * 3) / 4\"_, _\"Save a note: buy milk\"_ or _\"What is my time zone?\"_ and watch the tool cards, then the answer.",
    "- **Safe rendering**: ask _\"Show me hostile markdown\"_ for an answer full of scripts, event handlers and exfiltrating images that must all stay inert.",
    "",
    "```ts",
    "const result = streamText({",
    "  model,",
    "  instructions,",
    "  messages: await convertToModelMessages(messages),",
    "  tools,",
    "  stopWhen: isStepCount(5),",
    "});",
    "```",
    "",
    "| Piece | Where it lives |",
    "| --- | --- |",
    "| Providers and models | `lib/ai/` |",
    "| Request checks and streaming | `lib/chat/` |",
    "| The interface | `components/` |",
  ];
  const wantsLong = /\b(long|essay|detailed|story)\b/i.test(question);
  if (!wantsLong) return sections.join("\n");
  const extra = Array.from({ length: 12 }, (_, i) =>
    [
      "",
      `### Part ${i + 1}`,
      "",
      "Streaming a long answer keeps the page responsive because finished markdown blocks are rendered once and memoised, while only the block still being written re-renders as new words arrive.",
      "",
      `1. Step ${i + 1}.1 keeps the connection open.`,
      `2. Step ${i + 1}.2 sends each word as it is produced.`,
    ].join("\n"),
  );
  return [...sections, ...extra].join("\n");
}

/** Decides what the demo model does this step: answer pending tool results, call tools, or just answer. */
export function planDemoTurn(prompt: LanguageModelV4Prompt, toolNames: Set<string>): DemoTurn {
  const results = pendingToolResults(prompt);
  if (results.length > 0) return { kind: "text", text: answerFromToolResults(results) };
  const question = lastUserText(prompt);
  if (HOSTILE_PROMPT.test(question)) return { kind: "text", text: hostileMarkdown(pixelOriginFromPrompt(question)) };
  // Only tools the model was offered: a model with tools off just answers.
  const calls = toolCallsForPrompt(question).filter((call) => toolNames.has(call.toolName));
  if (calls.length > 0) return { kind: "tool-calls", calls };
  if (REASONING_PROMPT.test(question)) return { kind: "text", text: demoAnswer(question), reasoning: demoReasoning(question) };
  return { kind: "text", text: demoAnswer(question) };
}

/** Word-sized pieces, whitespace kept with the word before it, so joining them gives the text back exactly. */
export function splitIntoWords(text: string): string[] {
  return text.match(/\s+|\S+\s*/g) ?? [];
}

function countTokens(text: string): number {
  return splitIntoWords(text).length;
}

function promptText(prompt: LanguageModelV4Prompt): string {
  return prompt
    .map((message) =>
      typeof message.content === "string"
        ? message.content
        : message.content.map((part) => ("text" in part ? part.text : JSON.stringify(part))).join(" "),
    )
    .join("\n");
}

function usage(inputTokens: number, outputTokens: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function turnParts(turn: DemoTurn, inputTokens: number): LanguageModelV4StreamPart[] {
  if (turn.kind === "text") {
    const words = splitIntoWords(turn.text);
    const thoughts = turn.reasoning ? splitIntoWords(turn.reasoning) : [];
    return [
      ...(thoughts.length
        ? [
            { type: "reasoning-start", id: "reasoning-0" } as const,
            ...thoughts.map((delta): LanguageModelV4StreamPart => ({ type: "reasoning-delta", id: "reasoning-0", delta })),
            { type: "reasoning-end", id: "reasoning-0" } as const,
          ]
        : []),
      { type: "text-start", id: "text-0" },
      ...words.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "text-0", delta })),
      { type: "text-end", id: "text-0" },
      { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(inputTokens, words.length + thoughts.length) },
    ];
  }
  const parts: LanguageModelV4StreamPart[] = [];
  let outputTokens = 0;
  turn.calls.forEach((call, index) => {
    const id = `call-${index}-${crypto.randomUUID().slice(0, 8)}`;
    const input = JSON.stringify(call.input);
    // Arguments arrive in small pieces, as real models send them.
    const pieces = input.match(/.{1,8}/g) ?? [input];
    outputTokens += pieces.length;
    parts.push(
      { type: "tool-input-start", id, toolName: call.toolName },
      ...pieces.map((delta): LanguageModelV4StreamPart => ({ type: "tool-input-delta", id, delta })),
      { type: "tool-input-end", id },
      { type: "tool-call", toolCallId: id, toolName: call.toolName, input },
    );
  });
  parts.push({
    type: "finish",
    finishReason: { unified: "tool-calls", raw: "tool_calls" },
    usage: usage(inputTokens, outputTokens),
  });
  return parts;
}

export function createDemoModel({ delayMs }: { delayMs: number }): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "demo",
    modelId: DEMO_MODEL_ID,
    supportedUrls: {},
    async doGenerate() {
      throw new Error("The demo model only streams.");
    },
    async doStream(options: LanguageModelV4CallOptions) {
      const toolNames = new Set((options.tools ?? []).map((tool) => tool.name));
      const turn = planDemoTurn(options.prompt, toolNames);
      const parts: LanguageModelV4StreamPart[] = [
        { type: "stream-start", warnings: [] },
        { type: "response-metadata", id: crypto.randomUUID(), modelId: DEMO_MODEL_ID, timestamp: new Date() },
        ...turnParts(turn, countTokens(promptText(options.prompt))),
      ];
      const signal = options.abortSignal;
      let index = 0;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async pull(controller) {
          const part = parts[index++];
          if (!part) return controller.close();
          // Pace the visible output; lifecycle parts go out at once.
          if (part.type === "text-delta" || part.type === "reasoning-delta" || part.type === "tool-input-delta") await sleep(delayMs, signal);
          controller.enqueue(part);
        },
      });
      return { stream };
    },
  };
}
