import { EventSourceParserStream } from "eventsource-parser/stream";
import { describe, expect, it } from "vitest";
import { SseTextMerger } from "@/lib/ai/sse-merge";
import { ANSWER_UPDATE_MS } from "@/lib/chat/pacing";
import { fetchWithStallTimeout } from "@/lib/ai/stall";
import { fixtureLines } from "../support/fake-openai";

/** A recording as its API sends it (tests/fixtures/recorded/README.md): Responses and Anthropic name their events. */
function wire(file: string): string {
  const named = file.startsWith("anthropic") || file.includes("responses");
  const events = fixtureLines(file).map((line) => `${named ? `event: ${JSON.parse(line).type}\n` : ""}data: ${line}\n\n`);
  return events.join("") + (file.includes("chat") ? "data: [DONE]\n\n" : "");
}

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const reader = stream.getReader();
  const values: T[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) values.push(next.value);
  return values;
}

/** The events an SSE client (eventsource-parser, as the AI SDK's providers use) reads from `text`. */
async function parse(text: string): Promise<{ event?: string; data: string }[]> {
  const events: { event?: string; data: string }[] = [];
  const stream = new Response(text).body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for (const { event, data } of await readAll(stream)) events.push({ event, data });
  return events;
}

/** Every text and reasoning piece of a stream's events, by kind, in order: what a user would end up reading. */
function textsOf(events: { data: string }[]) {
  const kinds: Record<string, string> = {};
  for (const { data } of events) {
    if (data === "[DONE]") continue;
    const event = JSON.parse(data);
    const add = (kind: string, text: unknown) => typeof text === "string" && (kinds[kind] = (kinds[kind] ?? "") + text);
    add("content", event.choices?.[0]?.delta?.content);
    add("reasoning", event.choices?.[0]?.delta?.reasoning_content);
    if (event.type === "response.output_text.delta") add("content", event.delta);
    if (event.type === "response.function_call_arguments.delta") add("arguments", event.delta);
    add("content", event.delta?.text);
    add("reasoning", event.delta?.thinking);
    add("arguments", event.delta?.partial_json);
    add("content", event.candidates?.[0]?.content?.parts?.[0]?.text);
    add("content", event.response);
  }
  return kinds;
}

/** The stream as a sequence: each run of text events of one kind as its kind, every other event as it is. */
function sequence(events: { event?: string; data: string }[]) {
  const labels = events.map(({ event, data }) => {
    const kinds = Object.keys(textsOf([{ data }])).filter((kind) => kind !== "arguments");
    return kinds.length ? `text: ${kinds.join()}` : `${event}: ${data}`;
  });
  return labels.filter((label, i) => !label.startsWith("text: ") || label !== labels[i - 1]);
}

/** Feeds `text` to a merger in pieces of `size` characters (as reads from a network would cut it). */
function mergeInPieces(text: string, size: number): string {
  const merger = new SseTextMerger();
  let out = "";
  for (let i = 0; i < text.length; i += size) out += merger.push(text.slice(i, i + size));
  return out + merger.end();
}

const RECORDINGS = [
  "openai-chat-openai-text.chunks.txt",
  "openai-compatible-chat-xai-text.chunks.txt",
  "openai-compatible-chat-xai-tool-call.chunks.txt",
  "openai-responses-openai-error.1.chunks.txt",
  "anthropic-text.chunks.txt",
  "anthropic-json-tool.1.chunks.txt",
  "anthropic-tool-no-args.chunks.txt",
  "google-text.chunks.txt",
  "google-tool-call.chunks.txt",
];

describe("SseTextMerger", () => {
  it.each(RECORDINGS)("%s: the same text, reasoning and tool arguments, in fewer events, however the reads cut it", async (file) => {
    const original = await parse(wire(file));
    for (const size of [7, 100, 1_000_000]) {
      const merged = await parse(mergeInPieces(wire(file), size));
      expect(textsOf(merged)).toEqual(textsOf(original));
      // Every other event is still there, unchanged and in the same place among the text.
      expect(sequence(merged)).toEqual(sequence(original));
    }
  });

  it("merges a recorded Chat Completions answer of ~300 deltas into one event when it arrives in one read", async () => {
    const file = "openai-chat-openai-text.chunks.txt";
    const merged = await parse(mergeInPieces(wire(file), 1_000_000));
    const original = await parse(wire(file));
    const textEvents = merged.filter(({ data }) => textsOf([{ data }]).content);
    expect(original.filter(({ data }) => textsOf([{ data }]).content).length).toBeGreaterThan(250);
    expect(textEvents).toHaveLength(1);
    // The merged event keeps the rest of the first: id, model, the choice's index and finish_reason.
    expect(JSON.parse(textEvents[0].data)).toMatchObject({ id: "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0", choices: [{ index: 0, finish_reason: null }] });
  });

  it("never merges reasoning with text, nor across a tool call, usage or finish", async () => {
    const chat = (delta: object, extra: object = {}) =>
      `data: ${JSON.stringify({ id: "c", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    const text =
      chat({ reasoning_content: "think " }) +
      chat({ reasoning_content: "more" }) +
      chat({ content: "Hel" }) +
      chat({ content: "lo" }) +
      chat({ tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "" } }] }) +
      chat({ content: "after" }) +
      chat({ content: " tool" }, { usage: { completion_tokens: 3 } }) +
      "data: [DONE]\n\n";
    const events = (await parse(mergeInPieces(text, 1_000_000))).map(({ data }) => (data === "[DONE]" ? data : JSON.parse(data).choices[0].delta));
    expect(events).toEqual([
      { reasoning_content: "think more" },
      { content: "Hello" },
      { tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "" } }] },
      { content: "after" },
      { content: " tool" },
      "[DONE]",
    ]);
  });

  it("merges OpenAI's and Workers AI's padded events (obfuscation, p) and keeps Responses' tool arguments apart", async () => {
    const text =
      `data: ${JSON.stringify({ response: "a", p: "xx" })}\n\n` +
      `data: ${JSON.stringify({ response: "b", p: "yyyy" })}\n\n` +
      `data: ${JSON.stringify({ response: "", usage: { completion_tokens: 2 } })}\n\n` +
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", item_id: "m", delta: "c", obfuscation: "q", sequence_number: 4 })}\n\n` +
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", item_id: "m", delta: "d", obfuscation: "qq", sequence_number: 5 })}\n\n` +
      `event: response.function_call_arguments.delta\ndata: ${JSON.stringify({ type: "response.function_call_arguments.delta", item_id: "f", delta: "{" })}\n\n` +
      `event: response.function_call_arguments.delta\ndata: ${JSON.stringify({ type: "response.function_call_arguments.delta", item_id: "f", delta: "}" })}\n\n`;
    const events = await parse(mergeInPieces(text, 1_000_000));
    expect(events.map(({ data }) => JSON.parse(data).response ?? JSON.parse(data).delta)).toEqual(["ab", "", "cd", "{", "}"]);
    expect(events[2].event).toBe("response.output_text.delta");
  });

  it("reads \\r\\n line endings split anywhere, and passes comments and unfinished events through", async () => {
    const text = `: keep-alive\r\n\r\ndata: {"response":"a"}\r\n\r\ndata: {"response":"b"}\r\n\r\ndata: {"response":"c"}`;
    for (let size = 1; size < 8; size++) {
      const out = mergeInPieces(text, size);
      expect(out).toBe(`: keep-alive\n\ndata: {"response":"ab"}\n\ndata: {"response":"c"}`);
    }
  });
});

/** `body` as the providers' fetch gives it to them: an SSE response's body, watched and merged (lib/ai/stall.ts). */
async function throughProviderFetch(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const upstream = async () => new Response(body, { headers: { "content-type": "text/event-stream" } });
  return (await fetchWithStallTimeout(10_000, upstream)("http://upstream.test/")).body!;
}

describe("the providers' fetch", () => {
  /** A body that sends each piece after `gapMs`, and the times its merged events arrive at. */
  async function timed(pieces: string[], gapMs: number) {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const piece of pieces) {
          controller.enqueue(encoder.encode(piece));
          await new Promise((resolve) => setTimeout(resolve, gapMs));
        }
        controller.close();
      },
    });
    const started = Date.now();
    const out: { text: string; at: number }[] = [];
    const decoder = new TextDecoder();
    const reader = (await throughProviderFetch(body)).getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      out.push({ text: decoder.decode(next.value), at: Date.now() - started });
    }
    return out;
  }
  const token = (text: string) => `data: ${JSON.stringify({ response: text })}\n\n`;

  it("sends the first token at once, then what arrives within each window as one event", async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `t${i} `);
    const out = await timed(tokens.map(token), 5);
    expect(out[0].text).toBe(token("t0 "));
    expect(out[0].at).toBeLessThan(20);
    // One event per window at most (the timers of a busy machine fire late, which only merges more).
    expect(out.length).toBeLessThan(tokens.length);
    expect(out.length).toBeLessThanOrEqual(Math.ceil(out.at(-1)!.at / ANSWER_UPDATE_MS) + 2);
    const events = await parse(out.map(({ text }) => text).join(""));
    expect(events.map(({ data }) => JSON.parse(data).response).join("")).toBe(tokens.join(""));
  });

  it("keeps what it held when the upstream breaks, then fails", async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(token("kept ")));
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(encoder.encode(token("too")));
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.error(new Error("connection reset"));
      },
    });
    const reader = (await throughProviderFetch(body)).getReader();
    const decoder = new TextDecoder();
    let text = "";
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += decoder.decode(value);
        }
      })(),
    ).rejects.toThrow("connection reset");
    // The first token went out at once; the second was held in its window when the connection broke.
    expect(text).toBe(token("kept ") + token("too"));
  });
});
