/**
 * The upstream wire formats the app speaks, behind one interface, so a tool-calling scenario can be written once and
 * run in each: OpenAI Chat Completions, OpenAI Responses, Workers AI (native SSE shape and OpenAI SSE shape).
 * Each format points the app at its fake (env), scripts a step of tool calls or a text answer, and reads the tool
 * results back out of a recorded upstream request.
 */
import type { EnvKey } from "./chat-client";
import type { FakeOpenAI } from "./fake-openai";
import type { FakeWorkersAI, WorkersAIFormat } from "./fake-workers-ai";
import type { RecordedRequest } from "./http-fake";
import { openAIEnv, workersAIEnv } from "./presets";

export type ScriptedCall = { toolName: string; args: string; callId: string; chunks?: "one-char" | "whole" };
export type ToolResultSent = { callId: string; content: string };

export type UpstreamFormat = {
  name: string;
  env(): Partial<Record<EnvKey, string>>;
  /** Queues one step with these tool calls (arguments in 1-character chunks unless `chunks: "whole"`). */
  toolCalls(calls: ScriptedCall[], options?: { interleave?: boolean }): void;
  /** Queues one text answer. */
  text(deltas: string[]): void;
  requests(): RecordedRequest[];
  /** The tool results a request carries, in order. */
  toolResults(request: RecordedRequest): ToolResultSent[];
  /** The tool calls a request replays from earlier steps (name and id), in order. */
  toolCallsSent(request: RecordedRequest): { callId: string; toolName: string }[];
};

const pieces = (call: ScriptedCall) => (call.chunks === "whole" ? [call.args] : [...call.args]);

type ChatMessage = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: { id: string; function: { name: string } }[] };

function chatToolResults(request: RecordedRequest): ToolResultSent[] {
  return (request.body.messages as ChatMessage[])
    .filter((message) => message.role === "tool")
    .map((message) => ({ callId: String(message.tool_call_id), content: String(message.content) }));
}

function chatToolCalls(request: RecordedRequest) {
  return (request.body.messages as ChatMessage[]).flatMap((message) =>
    (message.tool_calls ?? []).map((call) => ({ callId: call.id, toolName: call.function.name })),
  );
}

export function openAIChatFormat(fake: FakeOpenAI): UpstreamFormat {
  return {
    name: "OpenAI Chat Completions",
    env: () => openAIEnv(fake, "chat"),
    toolCalls: (calls, options) =>
      fake.reply({
        type: "tool-calls",
        interleave: options?.interleave,
        calls: calls.map((call) => ({ toolName: call.toolName, argChunks: pieces(call), callId: call.callId })),
      }),
    text: (deltas) => fake.reply({ type: "text", deltas }),
    requests: () => fake.requests,
    toolResults: chatToolResults,
    toolCallsSent: chatToolCalls,
  };
}

type ResponsesItem = { type?: string; call_id?: string; output?: unknown; name?: string };

export function openAIResponsesFormat(fake: FakeOpenAI): UpstreamFormat {
  return {
    name: "OpenAI Responses",
    env: () => openAIEnv(fake, "responses"),
    toolCalls: (calls) =>
      fake.reply({
        type: "tool-calls",
        calls: calls.map((call) => ({ toolName: call.toolName, argChunks: pieces(call), callId: call.callId })),
      }),
    text: (deltas) => fake.reply({ type: "text", deltas }),
    requests: () => fake.requests,
    toolResults: (request) =>
      (request.body.input as ResponsesItem[])
        .filter((item) => item.type === "function_call_output")
        .map((item) => ({
          callId: String(item.call_id),
          content: typeof item.output === "string" ? item.output : JSON.stringify(item.output),
        })),
    toolCallsSent: (request) =>
      (request.body.input as ResponsesItem[])
        .filter((item) => item.type === "function_call")
        .map((item) => ({ callId: String(item.call_id), toolName: String(item.name) })),
  };
}

export function workersAIFormat(fake: FakeWorkersAI, format: WorkersAIFormat): UpstreamFormat {
  return {
    name: `Workers AI (${format} SSE shape)`,
    env: () => workersAIEnv(fake),
    toolCalls: (calls) =>
      fake.reply({
        type: "tool-calls",
        format,
        calls: calls.map((call) => ({ toolName: call.toolName, argChunks: pieces(call), id: call.callId })),
      }),
    text: (deltas) => fake.reply({ type: "text", format, deltas }),
    requests: () => fake.requests,
    toolResults: chatToolResults,
    toolCallsSent: chatToolCalls,
  };
}

/** Every format, against the per-file fakes of startFakeUpstreamsPerFile(). */
export function allFormats(fakes: { openai: FakeOpenAI; workersAI: FakeWorkersAI }): UpstreamFormat[] {
  // Built lazily: the fakes start in beforeAll, after describe.each has read the list.
  const lazy = (make: () => UpstreamFormat, name: string): UpstreamFormat => ({
    name,
    env: () => make().env(),
    toolCalls: (calls, options) => make().toolCalls(calls, options),
    text: (deltas) => make().text(deltas),
    requests: () => make().requests(),
    toolResults: (request) => make().toolResults(request),
    toolCallsSent: (request) => make().toolCallsSent(request),
  });
  return [
    lazy(() => openAIChatFormat(fakes.openai), "OpenAI Chat Completions"),
    lazy(() => openAIResponsesFormat(fakes.openai), "OpenAI Responses"),
    lazy(() => workersAIFormat(fakes.workersAI, "native"), "Workers AI (native SSE shape)"),
    lazy(() => workersAIFormat(fakes.workersAI, "openai"), "Workers AI (openai SSE shape)"),
  ];
}
