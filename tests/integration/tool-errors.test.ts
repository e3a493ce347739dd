/**
 * Failure is never fatal, in each upstream wire format, through the real route: a tool that throws, and a model that
 * sends invalid tool arguments (bad JSON, a schema violation, an unknown tool name). Each time the stream goes on, the
 * client's tool part ends in `output-error` with the reason, the model's next request carries the error as that
 * call's result, and the answer follows. The reason is the tool's own message when it wrote one for people (a
 * ToolError); any other error inside a tool (here saveNote's database failing) reaches the card and the model only as
 * the generic TOOL_FAILED, its detail only in the log.
 */
import type { UIMessageChunk } from "ai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type { NoteStore } from "@/lib/ai/tools/notes";
import { TOOL_FAILED } from "@/lib/ai/tools/tool-error";
import { chat, chatBody, cleanEnvPerTest, postChat, readChunks, stopChat } from "../support/chat-client";
import { openMeteoError, startFakeOpenMeteo, type FakeOpenMeteo } from "../support/fake-open-meteo";
import { allFormats, openAIChatFormat, type ScriptedCall, type UpstreamFormat } from "../support/formats";
import { spyOnConsoleError, startFakeUpstreamsPerFile } from "../support/presets";
import { assistantMessageFrom, BrowserChat, cookieOf, respondToApproval, storedChat, toolParts, weatherApiPerTest } from "../support/ui-client";

/** What a D1 query against a missing table throws. */
const D1_FAILURE = vi.hoisted(() => "D1_ERROR: no such table: notes: SQLITE_ERROR");

// Every visitor's notes live in a database that fails (the route binds notes with lib/db/notes.ts).
vi.mock("@/lib/db/notes", () => {
  const fail = async (): Promise<never> => {
    throw new Error(D1_FAILURE);
  };
  return { notesFor: (): NoteStore => ({ add: fail, list: fail }) };
});

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();

let openMeteo: FakeOpenMeteo;
beforeAll(async () => {
  openMeteo = await startFakeOpenMeteo();
});
afterAll(async () => {
  await openMeteo.close();
});
beforeEach(() => openMeteo.reset());
weatherApiPerTest(() => openMeteo.baseUrl);

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = spyOnConsoleError();
});
afterEach(() => consoleError.mockRestore());

const ANSWER = ["Sorry, ", "that did not work, ", "but here is ", "my answer."];

type Scenario = {
  name: string;
  call: ScriptedCall;
  /** What the tool part's error and the tool result sent upstream both say. */
  reason: RegExp;
  /** Sets up the fault, if the call alone does not cause it. */
  arrange?: () => void;
};

const scenarios: Scenario[] = [
  {
    name: "a tool that throws (getCurrentTime for Atlantis)",
    call: { toolName: "getCurrentTime", args: '{"timeZone":"Atlantis"}', callId: "call_bad_1" },
    reason: /"Atlantis" is not a known IANA time zone \(try a name like Europe\/Paris\)\./,
  },
  {
    name: "a tool that finds nothing (getWeather for Atlantis)",
    call: { toolName: "getWeather", args: '{"city":"Atlantis"}', callId: "call_bad_1" },
    reason: /No place called "Atlantis" was found\./,
  },
  {
    name: "a tool whose service fails (getWeather, Open-Meteo HTTP 500)",
    call: { toolName: "getWeather", args: '{"city":"Paris"}', callId: "call_bad_1" },
    reason: /The weather service failed \(HTTP 500\)\./,
    arrange: () => openMeteo.failNext("search", openMeteoError(500)),
  },
  {
    name: "a tool refusing its input (calculate 1/0)",
    call: { toolName: "calculate", args: '{"expression":"1/0"}', callId: "call_bad_1" },
    reason: /Division by zero\./,
  },
  {
    name: "arguments that are not JSON",
    call: { toolName: "getCurrentTime", args: '{"timeZone":"Eur', callId: "call_bad_1" },
    reason: /Invalid input for tool getCurrentTime.*JSON/s,
  },
  {
    name: "arguments that break the input schema",
    call: { toolName: "calculate", args: '{"expression":42}', callId: "call_bad_1" },
    reason: /Invalid input for tool calculate.*expected string/s,
  },
  {
    name: "a tool name the app does not offer",
    call: { toolName: "deleteEverything", args: '{"all":true}', callId: "call_bad_1" },
    reason: /unavailable tool 'deleteEverything'/,
  },
];

const cases = allFormats(fakes).flatMap((format) => scenarios.map((scenario) => ({ format, ...scenario, label: `${format.name}: ${scenario.name}` })));

function expectContinues(result: Awaited<ReturnType<typeof chat>>) {
  expect(result.response.status).toBe(200);
  expect(result.errors).toEqual([]);
  expect(result.text).toBe(ANSWER.join(""));
  expect(result.finish?.finishReason).toBe("stop");
  expect(result.sawDone).toBe(true);
  expect(result.types.filter((type) => type === "start-step")).toHaveLength(2);
}

/** A tool result's text as the model reads it: providers send errors as `{"error":"…"}` JSON or as plain text. */
function resultText(content: string): string {
  try {
    const value = JSON.parse(content) as unknown;
    return typeof value === "string" ? value : JSON.stringify(value, null, 0).replace(/\\"/g, '"');
  } catch {
    return content;
  }
}

/** The error the client shows for a call: from tool-output-error, or tool-input-error for invalid input. */
function errorChunkFor(chunks: UIMessageChunk[], toolCallId: string) {
  return chunks.find(
    (chunk): chunk is Extract<UIMessageChunk, { type: "tool-output-error" | "tool-input-error" }> =>
      (chunk.type === "tool-output-error" || chunk.type === "tool-input-error") && chunk.toolCallId === toolCallId,
  );
}

describe.each(cases)("$label", ({ format, call, reason, arrange }) => {
  it("the stream goes on: the part ends in output-error, the model gets the error, then answers", async () => {
    arrange?.();
    setEnv(format.env());
    format.toolCalls([call]);
    format.text(ANSWER);

    const result = await chat(chatBody({ text: "Please use a tool." }));

    expectContinues(result);
    expect(result.toolOutputs).toEqual([]);
    const [start] = result.toolInputStarts;
    expect(start.toolName).toBe(call.toolName);
    const errorChunk = errorChunkFor(result.chunks, start.toolCallId);
    expect(errorChunk?.errorText).toMatch(reason);

    // What the person sees: the tool card in its error state, with the reason.
    const message = await assistantMessageFrom(result.chunks);
    const [part] = toolParts(message);
    expect(part).toMatchObject({ toolCallId: start.toolCallId, state: "output-error" });
    expect(part.errorText).toMatch(reason);

    // What the model sees next: the error as that call's result.
    const sent = format.requests();
    expect(sent).toHaveLength(2);
    const results = format.toolResults(sent[1]);
    expect(results).toHaveLength(1);
    expect(results[0].callId).toBe(call.callId);
    expect(resultText(results[0].content)).toMatch(reason);
    expect(format.toolCallsSent(sent[1])).toEqual([{ callId: call.callId, toolName: call.toolName }]);
    // An error inside a tool is the tool's business: not logged as a failed chat stream.
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe("a failing call next to a good one in the same step", () => {
  it.each(allFormats(fakes).map((format) => [format.name, format] as [string, UpstreamFormat]))(
    "%s: the good call's output still arrives and both results go to the model",
    async (_name, format) => {
      setEnv(format.env());
      format.toolCalls([
        { toolName: "calculate", args: '{"expression":"2^10"}', callId: "call_good" },
        { toolName: "getCurrentTime", args: '{"timeZone":"Mars/Olympus"}', callId: "call_bad" },
        { toolName: "nope", args: "{}", callId: "call_unknown" },
      ]);
      format.text(ANSWER);

      const result = await chat(chatBody({ text: "2^10, the time on Mars, and nope" }));

      expectContinues(result);
      const [good, bad, unknown] = result.toolInputStarts.map((chunk) => chunk.toolCallId);
      expect(result.toolOutputs).toMatchObject([{ toolCallId: good, output: { expression: "2^10", result: 1024 } }]);
      expect(errorChunkFor(result.chunks, bad)?.errorText).toMatch(/"Mars\/Olympus" is not a known IANA time zone/);
      expect(errorChunkFor(result.chunks, unknown)?.errorText).toMatch(/unavailable tool 'nope'/);

      const states = toolParts(await assistantMessageFrom(result.chunks)).map((part) => part.state);
      expect(states).toEqual(["output-available", "output-error", "output-error"]);

      const results = format.toolResults(format.requests()[1]);
      expect(results.map((item) => item.callId)).toEqual(["call_good", "call_bad", "call_unknown"]);
      expect(JSON.parse(results[0].content)).toEqual({ expression: "2^10", result: 1024 });
      expect(resultText(results[1].content)).toMatch(/"Mars\/Olympus" is not a known IANA time zone/);
      expect(resultText(results[2].content)).toMatch(/unavailable tool 'nope'/);
    },
  );
});

describe("a tool failing in a way it did not mean to (saveNote, its database broken)", () => {
  it.each(allFormats(fakes).map((format) => [format.name, format] as [string, UpstreamFormat]))(
    "%s: the card and the model get the generic message, the detail only the log",
    async (_name, format) => {
      setEnv(format.env());
      format.toolCalls([{ toolName: "saveNote", args: '{"title":"Dentist","body":"Tuesday 3pm"}', callId: "call_note" }]);
      format.text(ANSWER);
      const browser = new BrowserChat();
      const first = await browser.send("Remember my dentist appointment on Tuesday at 3pm.");
      const [asked] = toolParts(first.message);
      const result = await browser.continueWith(respondToApproval(first.message, asked.approval!.id, true));

      // The tool runs before the model's next step, and the answer goes on.
      expect(result.errors).toEqual([]);
      expect(result.text).toBe(ANSWER.join(""));
      expect(result.finish?.finishReason).toBe("stop");
      const hidden = /D1_ERROR|SQLITE|no such table/;
      // What the person sees, streamed and stored (a reload shows the stored copy).
      expect(errorChunkFor(result.chunks, asked.toolCallId)?.errorText).toBe(`Error: ${TOOL_FAILED}`);
      expect(toolParts(result.message)[0]).toMatchObject({ state: "output-error", errorText: `Error: ${TOOL_FAILED}` });
      const { messages } = await storedChat(browser.id, browser.cookie!);
      expect(JSON.stringify(messages)).toContain(TOOL_FAILED);
      expect(JSON.stringify(messages)).not.toMatch(hidden);
      expect(JSON.stringify(result.chunks)).not.toMatch(hidden);

      // What the model sees next: the same generic text as that call's result.
      const sent = format.requests();
      expect(sent).toHaveLength(2);
      const results = format.toolResults(sent[1]);
      expect(results).toHaveLength(1);
      expect(results[0].callId).toBe("call_note");
      expect(resultText(results[0].content)).toContain(TOOL_FAILED);
      expect(results[0].content).not.toMatch(hidden);

      // Where the detail goes: the log, with the tool's name.
      expect(consoleError).toHaveBeenCalledWith("tool saveNote failed:", expect.objectContaining({ message: D1_FAILURE }));
    },
  );
});

describe("a weather service that never answers", () => {
  it("a getWeather call stopped by the chat's Stop closes the Open-Meteo connection too", async () => {
    openMeteo.failNext("search", { kind: "hang" });
    const format = openAIChatFormat(fakes.openai);
    setEnv(format.env());
    format.toolCalls([{ toolName: "getWeather", args: '{"city":"Paris"}', callId: "call_w" }]);
    const body = chatBody({ text: "Weather in Paris?" });
    const response = await postChat(body);
    const pending = readChunks(response);
    // Wait until the tool is waiting on Open-Meteo, then stop the chat.
    await expect.poll(() => openMeteo.requests.length, { timeout: 5_000 }).toBe(1);
    expect(await (await stopChat(body.id, cookieOf(response))).json()).toEqual({ stopped: true });
    const { chunks } = await pending;

    const closed = await openMeteo.requests[0].closed;
    expect(closed.beforeEnd).toBe(true);
    expect(chunks.map((chunk) => chunk.type)).toContain("abort");
    // Nothing more was asked of the model after the stop.
    expect(format.requests()).toHaveLength(1);
  });
});
