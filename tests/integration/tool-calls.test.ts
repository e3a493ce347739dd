/**
 * A getCurrentTime call whose arguments arrive in 1–3 character chunks, in each upstream wire format, through the real
 * route: the tool runs, its output reaches the client, the second model request carries the result, the answer follows.
 */
import { describe, expect, it } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import {   type WorkersAIFormat } from "../support/fake-workers-ai";
import { tinyChunks, type RecordedRequest } from "../support/http-fake";
import { openAIEnv, workersAIEnv, startFakeUpstreamsPerFile } from "../support/presets";

const ARGS = '{"timeZone":"Europe/Paris"}';
const ANSWER = ["It is ", "currently ", "a lovely ", "time in Paris ", "🇫🇷."];

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();


type Case = {
  name: string;
  setup: () => void;
  requests: () => RecordedRequest[];
  /** The tool result as the second request carries it (a JSON string), and the id it answers. */
  toolResultOf: (request: RecordedRequest) => { callId: string; content: string } | undefined;
};

const chatToolResult = (request: RecordedRequest) => {
  const message = request.body.messages.find((m: { role: string }) => m.role === "tool");
  return message && { callId: message.tool_call_id as string, content: message.content as string };
};

const cases: Case[] = [
  {
    name: "OpenAI Chat Completions",
    setup: () => {
      setEnv(openAIEnv(fakes.openai, "chat"));
      fakes.openai.reply(
        { type: "tool-call", toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), callId: "call_paris" },
        { type: "text", deltas: ANSWER },
      );
    },
    requests: () => fakes.openai.requests,
    toolResultOf: chatToolResult,
  },
  {
    name: "OpenAI Responses",
    setup: () => {
      setEnv(openAIEnv(fakes.openai, "responses"));
      fakes.openai.reply(
        { type: "tool-call", toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), callId: "call_paris" },
        { type: "text", deltas: ANSWER },
      );
    },
    requests: () => fakes.openai.requests,
    toolResultOf: (request) => {
      const item = request.body.input.find((entry: { type?: string }) => entry.type === "function_call_output");
      return item && { callId: item.call_id as string, content: item.output as string };
    },
  },
  ...(["native", "openai"] as WorkersAIFormat[]).map(
    (format): Case => ({
      name: `Workers AI (${format} SSE shape)`,
      setup: () => {
        setEnv(workersAIEnv(fakes.workersAI));
        fakes.workersAI.reply(
          { type: "tool-call", format, toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), id: "call_paris" },
          { type: "text", format, deltas: ANSWER },
        );
      },
      requests: () => fakes.workersAI.requests,
      toolResultOf: chatToolResult,
    }),
  ),
];

describe.each(cases)("split tool-call arguments: $name", ({ setup, requests, toolResultOf }) => {
  it("runs the tool, streams its output to the client, sends the result upstream, then the answer", async () => {
    expect(tinyChunks(ARGS).length).toBeGreaterThanOrEqual(ARGS.length / 3);
    setup();

    const result = await chat(chatBody({ text: "What time is it in Paris?" }));

    expect(result.response.status).toBe(200);
    expect(result.errors).toEqual([]);
    expect(result.toolInputErrors).toEqual([]);
    expect(result.toolErrors).toEqual([]);

    // The tool input streamed to the client piece by piece and joined to the full arguments.
    expect(result.toolInputStarts).toHaveLength(1);
    const { toolCallId } = result.toolInputStarts[0];
    expect(result.toolInputStarts[0].toolName).toBe("getCurrentTime");
    expect(result.toolInputDeltas.length).toBeGreaterThan(1);
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta).join("")).toBe(ARGS);
    expect(result.toolInputs).toMatchObject([{ toolCallId, toolName: "getCurrentTime", input: { timeZone: "Europe/Paris" } }]);

    // The tool ran on the server and its output reached the client.
    expect(result.toolOutputs).toHaveLength(1);
    const output = result.toolOutputs[0].output as { timeZone: string; iso: string; local: string };
    expect(result.toolOutputs[0].toolCallId).toBe(toolCallId);
    expect(output.timeZone).toBe("Europe/Paris");
    expect(Math.abs(Date.parse(output.iso) - Date.now())).toBeLessThan(60_000);

    // Two upstream requests; the second carries the tool result for the call the model made.
    const sent = requests();
    expect(sent).toHaveLength(2);
    expect(toolResultOf(sent[0])).toBeUndefined();
    const toolResult = toolResultOf(sent[1]);
    expect(toolResult?.callId).toBe("call_paris");
    expect(JSON.parse(toolResult!.content)).toEqual(output);

    // Then the final answer, exactly, in a second step.
    expect(result.text).toBe(ANSWER.join(""));
    const types = result.types;
    expect(types.filter((type) => type === "start-step")).toHaveLength(2);
    expect(types.indexOf("tool-output-available")).toBeLessThan(types.indexOf("text-delta"));
    expect(types.at(-1)).toBe("finish");
    expect(result.finish?.finishReason).toBe("stop");
    expect(result.sawDone).toBe(true);
    // Usage is summed over both steps.
    expect(result.metadata?.usage?.inputTokens).toBeGreaterThan(0);
    expect(result.metadata?.usage?.outputTokens).toBeGreaterThan(0);
  });
});

describe("a Workers AI model without tool support", () => {
  it("gets no tools in its request and just answers", async () => {
    setEnv(workersAIEnv(fakes.workersAI, ["@cf/meta/llama-3.1-8b-instruct"]));
    fakes.workersAI.reply({ type: "text", deltas: ["No tools ", "here."] });

    const result = await chat(chatBody({ text: "What time is it in Paris?" }));

    expect(result.text).toBe("No tools here.");
    expect(fakes.workersAI.runs.at(-1)?.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(fakes.workersAI.requests[0].body.tools).toBeUndefined();
  });
});
