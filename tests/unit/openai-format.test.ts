/**
 * OpenAI's Chat Completions format both ways (lib/api/openai-format.ts): the request into the AI SDK's messages and
 * tools, the AI SDK's stream parts into Chat Completions deltas.
 */
import type { TextStreamPart, ToolSet } from "ai";
import { describe, expect, it } from "vitest";
import { chatCompletionRequest, CompletionBuilder, toModelMessages, toToolChoice, toTools } from "@/lib/api/openai-format";
import { AppError } from "@/lib/errors";

const parse = (body: unknown) => chatCompletionRequest.parse(body);
const part = (value: Record<string, unknown>) => value as unknown as TextStreamPart<ToolSet>;

describe("the request", () => {
  it("keeps what it supports and ignores unknown fields", () => {
    const body = parse({ model: "demo:offline", messages: [{ role: "user", content: "Hi" }], logit_bias: { 1: 2 }, temperature: 0 });
    expect(body).toEqual({ model: "demo:offline", messages: [{ role: "user", content: "Hi" }], temperature: 0 });
  });

  it("refuses what it does not support, by name", () => {
    const refused = (body: Record<string, unknown>) => chatCompletionRequest.safeParse({ model: "m", messages: [{ role: "user", content: "Hi" }], ...body });
    expect(refused({ n: 2 }).success).toBe(false);
    expect(refused({ temperature: 3 }).success).toBe(false);
    expect(refused({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }).error?.issues[0].message).toBe(
      "only text content parts are supported",
    );
    expect(refused({ messages: [] }).success).toBe(false);
  });
});

describe("toModelMessages", () => {
  it("turns each role into the AI SDK's, tool results named after the call they answer", () => {
    const { messages } = parse({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use metric." }] },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    });
    expect(toModelMessages(messages)).toEqual([
      { role: "system", content: "Be brief." },
      { role: "system", content: "Use metric." },
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: [{ type: "tool-call", toolCallId: "call_1", toolName: "get_weather", input: { city: "Paris" } }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "call_1", toolName: "get_weather", output: { type: "text", value: "sunny" } }] },
    ]);
  });

  it("a tool result for no call, or arguments that are not JSON: a 400 that says where", () => {
    const orphan = parse({ model: "m", messages: [{ role: "user", content: "Hi" }, { role: "tool", tool_call_id: "call_9", content: "x" }] });
    expect(() => toModelMessages(orphan.messages)).toThrow(/messages\[1\].*call_9/);
    const broken = parse({
      model: "m",
      messages: [{ role: "assistant", content: "", tool_calls: [{ id: "c", function: { name: "f", arguments: "{nope" } }] }],
    });
    expect(() => toModelMessages(broken.messages)).toThrow(AppError);
  });

  it("tools without execute (the caller runs them) and the tool choice", () => {
    const tools = toTools([{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }]);
    expect(Object.keys(tools ?? {})).toEqual(["get_weather"]);
    expect((tools?.get_weather as { execute?: unknown }).execute).toBeUndefined();
    expect(toTools([])).toBeUndefined();
    expect(toToolChoice({ type: "function", function: { name: "get_weather" } })).toEqual({ type: "tool", toolName: "get_weather" });
    expect(toToolChoice("required")).toBe("required");
  });
});

describe("CompletionBuilder", () => {
  it("tool calls get indexes in the order they start; the first delta names the call, later ones add arguments", () => {
    const builder = new CompletionBuilder();
    const deltas = [
      part({ type: "text-delta", id: "t", text: "Let me check." }),
      part({ type: "tool-input-start", id: "a", toolName: "get_weather" }),
      part({ type: "tool-input-start", id: "b", toolName: "get_time" }),
      part({ type: "tool-input-delta", id: "b", delta: '{"zone":' }),
      part({ type: "tool-input-delta", id: "a", delta: '{"city":"Paris"}' }),
      part({ type: "tool-input-delta", id: "b", delta: '"CET"}' }),
      part({ type: "tool-call", toolCallId: "a", toolName: "get_weather", input: { city: "Paris" } }),
      part({ type: "finish", finishReason: "tool-calls", totalUsage: { inputTokens: 5, outputTokens: 7 } }),
    ].map((value) => builder.add(value));
    expect(deltas).toEqual([
      { content: "Let me check." },
      { tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "get_time", arguments: "" } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"zone":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] },
      undefined,
      undefined,
    ]);
    expect(builder.finishReason).toBe("tool_calls");
    expect(builder.toolCalls.map((call) => call.function.arguments)).toEqual(['{"city":"Paris"}', '{"zone":"CET"}']);
  });

  it("a provider that sends whole calls: the call in one delta; a cut answer finishes with length", () => {
    const builder = new CompletionBuilder();
    expect(builder.add(part({ type: "tool-call", toolCallId: "c1", toolName: "f", input: { x: 1 } }))).toEqual({
      tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
    });
    builder.add(part({ type: "finish", finishReason: "length", totalUsage: {} }));
    expect(builder.finishReason).toBe("length");
  });
});
