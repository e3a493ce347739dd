import type { LanguageModelV4CallOptions, LanguageModelV4Prompt, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { isStepCount, streamText, type TextStreamPart, type ToolSet } from "ai";
import { describe, expect, it } from "vitest";
import {
  createDemoModel,
  DEMO_MODEL_ID,
  planDemoTurn,
  splitIntoWords,
  expressionFromPrompt,
  noteFromPrompt,
  timeZonesFromPrompt,
  toolCallsForPrompt,
} from "@/lib/ai/providers/demo";
import { HOSTILE_FOREIGN_HOST, hostileMarkdown } from "@/lib/ai/providers/demo-hostile";
import { testChatTools } from "../support/tools";

const chatTools = testChatTools();

const TIME_TOOL = {
  type: "function" as const,
  name: "getCurrentTime",
  inputSchema: { type: "object" as const, properties: { timeZone: { type: "string" as const } } },
};

function userPrompt(text: string): LanguageModelV4Prompt {
  return [
    { role: "system", content: "You are a test." },
    { role: "user", content: [{ type: "text", text }] },
  ];
}

function callOptions(text: string, extra: Partial<LanguageModelV4CallOptions> = {}): LanguageModelV4CallOptions {
  return { prompt: userPrompt(text), ...extra };
}

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) parts.push(part);
  return parts;
}

const textOf = (parts: { type: string; delta?: string; text?: string }[]) =>
  parts
    .filter((part) => part.type === "text-delta")
    .map((part) => part.delta ?? part.text ?? "")
    .join("");

describe("splitIntoWords", () => {
  it.each([
    "Hello world",
    "  leading and trailing  ",
    "tabs\tand\nnew\n\nlines",
    "| a | b |\n| --- | --- |\n",
    "```ts\nconst x = 1;\n```",
    "émoji 🎉 and ünïcödé",
    "",
    "   ",
  ])("joins back to the exact text: %j", (text) => {
    expect(splitIntoWords(text).join("")).toBe(text);
  });

  it("gives word-sized pieces with the whitespace after each word", () => {
    expect(splitIntoWords("one two  three\nfour")).toEqual(["one ", "two  ", "three\n", "four"]);
  });
});

describe("timeZonesFromPrompt", () => {
  it.each([
    ["What time is it in Tokyo?", ["Asia/Tokyo"]],
    ["what's the time in new york", ["America/New_York"]],
    ["Date in Europe/Lisbon please", ["Europe/Lisbon"]],
    ["What time is it in America/Argentina/Buenos_Aires?", ["America/Argentina/Buenos_Aires"]],
    ["What time is it in Atlantis?", ["Atlantis"]],
    ["What time is it in Tokyo and Paris?", ["Asia/Tokyo", "Europe/Paris"]],
    ["what time is it", ["UTC"]],
    ["Tell me about Tokyo", []],
    ["Write a long essay", []],
  ])("%j → %j", (text, zones) => {
    expect(timeZonesFromPrompt(text)).toEqual(zones);
  });
});

describe("demo prompts → tool calls", () => {
  it.each([
    ["What's the weather in Paris?", [["getWeather", { city: "Paris" }]]],
    [
      "What's the weather and the time in Paris?",
      [
        ["getWeather", { city: "Paris" }],
        ["getCurrentTime", { timeZone: "Europe/Paris" }],
      ],
    ],
    ["Weather in Reykjavik please", [["getWeather", { city: "Reykjavik" }]]],
    ["Calculate (17.5 * 3) / 4", [["calculate", { expression: "(17.5 * 3) / 4" }]]],
    ["What is 2^10?", [["calculate", { expression: "2^10" }]]],
    ["Save a note: buy milk and eggs", [["saveNote", { title: "Buy milk and eggs", body: "buy milk and eggs" }]]],
    ["List my notes", [["listNotes", {}]]],
    ["What is my time zone?", [["getUserTimezone", {}]]],
    ["What time is it in Atlantis?", [["getCurrentTime", { timeZone: "Atlantis" }]]],
    ["Hello there", []],
    ["What is the capital of France?", []],
  ])("%j", (prompt, calls) => {
    expect(toolCallsForPrompt(prompt).map((call) => [call.toolName, call.input])).toEqual(calls);
  });

  it("a long note gets a short title and keeps the whole body", () => {
    expect(noteFromPrompt("Remember that the quarterly review moved to Thursday at 3pm.")).toEqual({
      title: "The quarterly review moved to Thursday…",
      body: "the quarterly review moved to Thursday at 3pm",
    });
  });

  it("only arithmetic counts as a calculation", () => {
    expect(expressionFromPrompt("What is sqrt(2) * 3?")).toBe("sqrt(2) * 3");
    expect(expressionFromPrompt("What is love?")).toBeUndefined();
    expect(expressionFromPrompt("What is 42?")).toBeUndefined();
  });

  it("calls only the tools it was offered", () => {
    const turn = planDemoTurn(userPrompt("What's the weather and the time in Paris?"), new Set(["getCurrentTime"]));
    expect(turn).toMatchObject({ kind: "tool-calls", calls: [{ toolName: "getCurrentTime" }] });
  });
});

describe("planDemoTurn", () => {
  it("thinks aloud (reasoning before the answer) only when asked to think it through", () => {
    const thinking = planDemoTurn(userPrompt("Think it through: why is the sky blue?"), new Set());
    expect(thinking.kind === "text" && thinking.reasoning).toContain("Before answering");
    const plain = planDemoTurn(userPrompt("Why is the sky blue?"), new Set());
    expect(plain.kind === "text" && plain.reasoning).toBeFalsy();
  });

  it("answers with text when the tool is not offered, even for a time question", () => {
    expect(planDemoTurn(userPrompt("What time is it in Tokyo?"), new Set()).kind).toBe("text");
  });

  it("quotes the question in its answer, and a long answer on request", () => {
    const short = planDemoTurn(userPrompt("Hello there"), new Set());
    const long = planDemoTurn(userPrompt("Write a long essay"), new Set());
    expect(short).toMatchObject({ kind: "text" });
    expect(short.kind === "text" && short.text).toContain("You asked: _Hello there_");
    expect(long.kind === "text" && long.text.length).toBeGreaterThan((short.kind === "text" && short.text.length) || 0);
  });

  it("answers 'hostile markdown' with the hostile payload, its pixel on the origin the prompt names", () => {
    const tools = new Set(["getWeather", "getCurrentTime"]);
    const named = planDemoTurn(userPrompt("Show me hostile markdown about the weather, pixel from http://127.0.0.1:3815/x"), tools);
    expect(named).toEqual({ kind: "text", text: hostileMarkdown("http://127.0.0.1:3815") });
    expect(named.kind === "text" && named.text).toContain("![pixel](http://127.0.0.1:3815/pixel.png?leak=1)");
    const plain = planDemoTurn(userPrompt("show me HOSTILE MARKDOWN"), tools);
    expect(plain).toEqual({ kind: "text", text: hostileMarkdown(`https://${HOSTILE_FOREIGN_HOST}`) });
    expect(plain.kind === "text" && plain.text).toMatch(/<script>[\s\S]*onerror=[\s\S]*javascript:[\s\S]*data:text\/html/);
  });
});

describe("the demo model, driven directly through doStream", () => {
  it("identifies itself as a v4 model with id 'offline'", () => {
    const model = createDemoModel({ delayMs: 0 });
    expect(model).toMatchObject({ specificationVersion: "v4", provider: "demo", modelId: DEMO_MODEL_ID });
    expect(DEMO_MODEL_ID).toBe("offline");
  });

  it("streams parts in order: stream-start, response-metadata, text-start, deltas, text-end, finish", async () => {
    const model = createDemoModel({ delayMs: 0 });
    const { stream } = await model.doStream(callOptions("Hello there"));
    const parts = await readAll(stream);
    const types = parts.map((part) => part.type);

    expect(types.slice(0, 3)).toEqual(["stream-start", "response-metadata", "text-start"]);
    expect(types.slice(-2)).toEqual(["text-end", "finish"]);
    const middle = types.slice(3, -2);
    expect(middle.length).toBeGreaterThan(20);
    expect(new Set(middle)).toEqual(new Set(["text-delta"]));
    expect(parts[1]).toMatchObject({ type: "response-metadata", modelId: "offline" });
  });

  it("deltas join to the planned answer exactly, one text part id throughout", async () => {
    const model = createDemoModel({ delayMs: 0 });
    const { stream } = await model.doStream(callOptions("Hello there"));
    const parts = await readAll(stream);
    const planned = planDemoTurn(userPrompt("Hello there"), new Set());
    expect(planned.kind).toBe("text");
    expect(textOf(parts as never)).toBe(planned.kind === "text" ? planned.text : "");
    const ids = new Set(parts.flatMap((part) => ("id" in part && part.type.startsWith("text") ? [part.id] : [])));
    expect(ids.size).toBe(1);
  });

  it("reports usage: input from the prompt, output = number of deltas, stop", async () => {
    const model = createDemoModel({ delayMs: 0 });
    const parts = await readAll((await model.doStream(callOptions("Hello there"))).stream);
    const finish = parts.at(-1);
    const deltas = parts.filter((part) => part.type === "text-delta").length;
    expect(finish).toMatchObject({
      type: "finish",
      finishReason: { unified: "stop", raw: "stop" },
      usage: { inputTokens: { total: expect.any(Number) }, outputTokens: { total: deltas, text: deltas } },
    });
    if (finish?.type !== "finish") throw new Error("no finish");
    expect(finish.usage.inputTokens.total).toBeGreaterThan(0);
  });

  it("a time question with the tool offered → tool-input-start/delta/end + tool-call, finish tool-calls", async () => {
    const model = createDemoModel({ delayMs: 0 });
    const parts = await readAll((await model.doStream(callOptions("What time is it in Tokyo?", { tools: [TIME_TOOL] }))).stream);
    const types = parts.map((part) => part.type);
    expect(types[0]).toBe("stream-start");
    expect(types[2]).toBe("tool-input-start");
    expect(types.slice(-3)).toEqual(["tool-input-end", "tool-call", "finish"]);
    expect(types).not.toContain("text-delta");

    const start = parts.find((part) => part.type === "tool-input-start");
    const call = parts.find((part) => part.type === "tool-call");
    const deltas = parts.filter((part) => part.type === "tool-input-delta");
    if (start?.type !== "tool-input-start" || call?.type !== "tool-call") throw new Error("missing tool parts");
    expect(start.toolName).toBe("getCurrentTime");
    expect(call).toMatchObject({ toolName: "getCurrentTime", toolCallId: start.id, input: '{"timeZone":"Asia/Tokyo"}' });
    // The arguments arrive in several pieces that join to the input.
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((part) => (part.type === "tool-input-delta" ? part.delta : "")).join("")).toBe(call.input);
    expect(parts.every((part) => !("id" in part) || part.type === "response-metadata" || part.id === start.id)).toBe(true);
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: "tool-calls" } });
  });

  it("doGenerate is not supported (the demo only streams)", async () => {
    await expect(createDemoModel({ delayMs: 0 }).doGenerate(callOptions("x"))).rejects.toThrow(/only streams/);
  });

  it("aborting mid-stream stops it at once: the pending read rejects, no more deltas", async () => {
    const model = createDemoModel({ delayMs: 50 });
    const controller = new AbortController();
    const { stream } = await model.doStream(callOptions("Write a long essay", { abortSignal: controller.signal }));
    const reader = stream.getReader();
    let deltas = 0;
    while (deltas < 2) {
      const { value } = await reader.read();
      if (value?.type === "text-delta") deltas++;
    }
    // A 0 ms timer started at the abort: if the read settles before it fires, the stream stopped within the same
    // turn of the event loop, without waiting for the next word's 50 ms delay.
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    controller.abort(new Error("stop now"));
    await expect(reader.read()).rejects.toThrow("stop now");
    expect(timerFired).toBe(false);
  });

  it("an already aborted signal fails the first delta", async () => {
    const model = createDemoModel({ delayMs: 5 });
    const { stream } = await model.doStream(callOptions("Hello", { abortSignal: AbortSignal.abort(new Error("gone")) }));
    await expect(readAll(stream)).rejects.toThrow("gone");
  });
});

describe("the demo model through streamText", () => {
  function run(text: string, options: { tools?: ToolSet; delayMs?: number; abortSignal?: AbortSignal } = {}) {
    return streamText({
      model: createDemoModel({ delayMs: options.delayMs ?? 0 }),
      instructions: "You are a test.",
      messages: [{ role: "user", content: text }],
      tools: options.tools,
      stopWhen: isStepCount(5),
      abortSignal: options.abortSignal,
    });
  }

  async function collect(stream: AsyncIterable<TextStreamPart<ToolSet>>) {
    const parts: TextStreamPart<ToolSet>[] = [];
    for await (const part of stream) parts.push(part);
    return parts;
  }

  it("streams the planned text; result.text and usage agree", async () => {
    const result = run("Hello there");
    const parts = await collect(result.stream);
    const planned = planDemoTurn(userPrompt("Hello there"), new Set());
    const expected = planned.kind === "text" ? planned.text : "";

    expect(textOf(parts as never)).toBe(expected);
    expect(await result.text).toBe(expected);
    const types = parts.map((part) => part.type);
    expect(types.slice(0, 3)).toEqual(["start", "start-step", "text-start"]);
    expect(types.slice(-3)).toEqual(["text-end", "finish-step", "finish"]);
    const usage = await result.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBe(parts.filter((part) => part.type === "text-delta").length);
    expect(usage.totalTokens).toBe((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
    expect(await result.finishReason).toBe("stop");
  });

  it("a time question runs the real tool, then a second step answers from its result", async () => {
    const result = run("What time is it in Tokyo?", { tools: chatTools });
    const parts = await collect(result.stream);
    const steps = await result.steps;
    expect(steps).toHaveLength(2);
    expect(steps[0].finishReason).toBe("tool-calls");
    expect(steps[0].toolCalls).toMatchObject([{ toolName: "getCurrentTime", input: { timeZone: "Asia/Tokyo" } }]);

    const toolResult = parts.find((part) => part.type === "tool-result");
    if (toolResult?.type !== "tool-result") throw new Error("no tool result");
    const output = toolResult.output as { timeZone: string; local: string; iso: string };
    expect(output.timeZone).toBe("Asia/Tokyo");
    expect(new Date(output.iso).toString()).not.toBe("Invalid Date");

    const text = await result.text;
    expect(text).toContain("Here is what the tools told me:");
    expect(text).toContain(`In **Asia/Tokyo** it is currently **${output.local}**.`);
    expect(await result.finishReason).toBe("stop");

    // Order: the tool input parts and result come before the second step's text.
    const types = parts.map((part) => part.type);
    expect(types.indexOf("tool-input-start")).toBeLessThan(types.indexOf("tool-call"));
    expect(types.indexOf("tool-call")).toBeLessThan(types.indexOf("tool-result"));
    expect(types.indexOf("tool-result")).toBeLessThan(types.indexOf("text-delta"));
  });

  it("a tool failure (unknown place 'Atlantis') → tool-error, and the answer says the tool failed", async () => {
    const result = run("What time is it in Atlantis?", { tools: chatTools });
    const parts = await collect(result.stream);
    const toolError = parts.find((part) => part.type === "tool-error");
    if (toolError?.type !== "tool-error") throw new Error("no tool error");
    expect(toolError.input).toEqual({ timeZone: "Atlantis" });
    expect(String((toolError.error as Error).message)).toContain('"Atlantis" is not a known IANA time zone');

    const text = await result.text;
    expect(text).toContain("The `getCurrentTime` tool failed");
    expect(text).toContain("Atlantis");
    expect((await result.steps).length).toBe(2);
  });

  it("an abort mid-stream ends it quickly with an abort part and no further deltas", async () => {
    const controller = new AbortController();
    const result = run("Write a long essay", { delayMs: 50, abortSignal: controller.signal });
    const seen: string[] = [];
    let deltasAtAbort = -1;
    let abortedAt = 0;
    for await (const part of result.stream) {
      seen.push(part.type);
      if (part.type === "text-delta" && seen.filter((type) => type === "text-delta").length === 3) {
        deltasAtAbort = 3;
        abortedAt = performance.now();
        controller.abort();
      }
    }
    const elapsed = performance.now() - abortedAt;
    expect(deltasAtAbort).toBe(3);
    expect(seen.filter((type) => type === "text-delta")).toHaveLength(3);
    expect(seen.at(-1)).toBe("abort");
    expect(seen).not.toContain("finish");
    expect(elapsed).toBeLessThan(200);
  });
});
