import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";

/**
 * The offline demo model: a real AI SDK language model (spec v4) that needs no network or key.
 * It streams a deterministic markdown answer word by word, calls a tool when the prompt asks for
 * what a tool knows, answers from tool results, reports usage and stops at once on abort.
 */
export const DEMO_MODEL_ID = "offline";

type DemoToolCall = { toolName: string; input: Record<string, unknown> };
type DemoTurn = { kind: "text"; text: string } | { kind: "tool-calls"; calls: DemoToolCall[] };

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

/** "What time is it in Tokyo?" → Asia/Tokyo; an explicit IANA name wins; an unknown place is passed through as is. */
export function timeZoneFromPrompt(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (!/\b(time|clock|date)\b/.test(lower)) return undefined;
  const iana = text.match(/\b[A-Z][A-Za-z_]+\/[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_]+)?\b/);
  if (iana) return iana[0];
  for (const [city, zone] of Object.entries(CITY_TIME_ZONES)) {
    if (lower.includes(city)) return zone;
  }
  const place = text.match(/\bin ([A-Z][a-zA-Z]+)/);
  return place ? place[1] : "UTC";
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

function answerFromToolResults(results: ReturnType<typeof pendingToolResults>): string {
  const lines = results.map((result) => {
    const { ok, text } = describeOutput(result.output);
    if (!ok) return `- The \`${result.toolName}\` tool failed: ${text}`;
    if (result.toolName === "getCurrentTime" && result.output.type === "json") {
      const value = result.output.value as { local?: string; timeZone?: string };
      return `- In **${value.timeZone}** it is currently **${value.local}**.`;
    }
    return `- \`${result.toolName}\` returned: \`${text}\``;
  });
  return [
    "Here is what the tools told me:",
    "",
    ...lines,
    "",
    "_(Answered by the offline demo model from the tool results above.)_",
  ].join("\n");
}

function demoAnswer(question: string): string {
  const quoted = question.trim().replace(/\s+/g, " ").slice(0, 160) || "(an empty message)";
  const sections = [
    `> **Demo model.** This answer comes from edge-chat's built-in offline demo, not a real language model. Set \`OPENAI_API_KEY\` or Cloudflare credentials for real answers.`,
    "",
    `You asked: _${quoted.replace(/[_*`]/g, "")}_`,
    "",
    "## What this demo shows",
    "",
    "- **Streaming**: the answer arrives word by word, the way a real model streams it.",
    "- **Markdown**: headings, lists, `inline code`, tables and highlighted code blocks.",
    "- **Tools**: ask _\"What time is it in Tokyo?\"_ and watch the tool card, then the answer.",
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

/** Decides what the demo model does this step. */
export function planDemoTurn(prompt: LanguageModelV4Prompt, toolNames: Set<string>): DemoTurn {
  const results = pendingToolResults(prompt);
  if (results.length > 0) return { kind: "text", text: answerFromToolResults(results) };
  const question = lastUserText(prompt);
  const timeZone = timeZoneFromPrompt(question);
  if (timeZone && toolNames.has("getCurrentTime")) {
    return { kind: "tool-calls", calls: [{ toolName: "getCurrentTime", input: { timeZone } }] };
  }
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
    return [
      { type: "text-start", id: "text-0" },
      ...words.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "text-0", delta })),
      { type: "text-end", id: "text-0" },
      { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(inputTokens, words.length) },
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
          if (part.type === "text-delta" || part.type === "tool-input-delta") await sleep(delayMs, signal);
          controller.enqueue(part);
        },
      });
      return { stream };
    },
  };
}
