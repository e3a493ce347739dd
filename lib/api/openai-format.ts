import "server-only";
import { jsonSchema, tool, type FinishReason, type LanguageModelUsage, type ModelMessage, type TextStreamPart, type ToolSet } from "ai";
import { z } from "zod";
import { AppError } from "@/lib/errors";

/**
 * OpenAI's Chat Completions wire format, both ways: the request (validated, then turned into the AI SDK's messages
 * and caller-executed tools) and the answer (the AI SDK's stream parts turned into `chat.completion.chunk` events, or
 * one `chat.completion`). Only the format lives here; lib/api/chat-completions.ts runs the request.
 */

const MAX_MESSAGES = 200;
const MAX_TEXT = 100_000;

const text = z.string().max(MAX_TEXT);
/** `content` as a string or as parts; only text parts are supported (images, audio: a 400 that says so). */
const content = z
  .union([
    text,
    z.array(
      z.object({ type: z.string(), text: text.optional() }).refine((part) => part.type === "text" && part.text !== undefined, {
        message: "only text content parts are supported",
      }),
    ),
  ])
  .nullish();

const toolCall = z.object({
  id: z.string().min(1).max(256),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().min(1).max(64), arguments: z.string().max(MAX_TEXT) }),
});

const message = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content }),
  z.object({ role: z.literal("developer"), content }),
  z.object({ role: z.literal("user"), content }),
  z.object({ role: z.literal("assistant"), content, tool_calls: z.array(toolCall).max(128).nullish() }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string().min(1).max(256) }),
]);

/** The request body. Unknown fields are ignored (stripped), as OpenAI-compatible servers do. */
export const chatCompletionRequest = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(message).min(1).max(MAX_MESSAGES),
  tools: z
    .array(
      z.object({
        type: z.literal("function"),
        function: z.object({
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a function name is 1-64 letters, digits, _ or -"),
          description: z.string().max(4_000).optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    )
    .max(128)
    .nullish(),
  tool_choice: z
    .union([z.enum(["none", "auto", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) })])
    .nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1, { error: "only n = 1 is supported" }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().max(256).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function openAIError(status: number, message: string, code: string | null, param: string | null = null, headers?: HeadersInit): Response {
  const type = status === 401 ? "authentication_error" : status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return Response.json({ error: { message, type, param, code } }, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** Our AppErrors in OpenAI's shape (same status; 429s keep Retry-After). */
export function openAIErrorFrom(error: AppError): Response {
  const headers = error.retryAfter === undefined ? undefined : { "retry-after": String(error.retryAfter) };
  return openAIError(error.status, error.message, error.code, null, headers);
}

function textOf(value: z.infer<typeof content>): string {
  if (!value) return "";
  return typeof value === "string" ? value : value.map((part) => part.text ?? "").join("");
}

/** The caller's messages as the AI SDK's: tool results get their tool's name from the call they answer. */
export function toModelMessages(messages: ChatCompletionRequest["messages"]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((entry, index): ModelMessage => {
    if (entry.role === "tool") {
      const toolName = toolNames.get(entry.tool_call_id);
      if (!toolName) {
        throw new AppError("bad_request:api", `messages[${index}]: tool_call_id "${entry.tool_call_id}" answers no earlier tool call.`);
      }
      return {
        role: "tool",
        content: [{ type: "tool-result", toolCallId: entry.tool_call_id, toolName, output: { type: "text", value: textOf(entry.content) } }],
      };
    }
    if (entry.role === "system" || entry.role === "developer") return { role: "system", content: textOf(entry.content) };
    if (entry.role === "user") return { role: "user", content: textOf(entry.content) };
    {
      // The assistant: what it said, and the calls it made (their names answer the tool results that follow).
      const calls = (entry.tool_calls ?? []).map((call) => {
        toolNames.set(call.id, call.function.name);
        let input: unknown;
        try {
          input = JSON.parse(call.function.arguments || "{}");
        } catch {
          throw new AppError("bad_request:api", `messages[${index}].tool_calls: the arguments of "${call.id}" are not JSON.`);
        }
        return { type: "tool-call" as const, toolCallId: call.id, toolName: call.function.name, input };
      });
      const said = textOf(entry.content);
      return { role: "assistant", content: [...(said ? [{ type: "text" as const, text: said }] : []), ...calls] };
    }
  });
}

/** The caller's functions as tools without `execute`: the model's calls go back to the caller, never run here. */
export function toTools(tools: ChatCompletionRequest["tools"]): ToolSet | undefined {
  if (!tools?.length) return undefined;
  return Object.fromEntries(
    tools.map(({ function: fn }) => [
      fn.name,
      tool({ description: fn.description, inputSchema: jsonSchema(fn.parameters ?? { type: "object", properties: {} }) }),
    ]),
  );
}

export function toToolChoice(choice: ChatCompletionRequest["tool_choice"]) {
  if (!choice) return undefined;
  return typeof choice === "string" ? choice : { type: "tool" as const, toolName: choice.function.name };
}

const FINISH_REASONS: Partial<Record<FinishReason, string>> = {
  stop: "stop",
  length: "length",
  "content-filter": "content_filter",
  "tool-calls": "tool_calls",
};

export function usageOf(usage: LanguageModelUsage | undefined) {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

type ToolCallDelta = { index: number; id?: string; type?: "function"; function: { name?: string; arguments: string } };
export type ChunkDelta = { role?: "assistant"; content?: string; tool_calls?: ToolCallDelta[] };

/**
 * Turns the AI SDK's stream parts into Chat Completions deltas, in order: tool calls get indexes 0, 1, 2 … as they
 * start (the first delta with id, type and name, later ones with argument fragments).
 */
export class CompletionBuilder {
  private readonly indexes = new Map<string, number>();
  text = "";
  finishReason = "stop";
  usage: LanguageModelUsage | undefined;
  readonly toolCalls: { id: string; type: "function"; function: { name: string; arguments: string } }[] = [];

  /** When the first text or tool call arrived (epoch ms), for the usage record. */
  firstOutputAt: number | undefined;

  /** The delta this part adds (undefined: nothing to send), recording it for the non-streaming answer too. */
  add(part: TextStreamPart<ToolSet>): ChunkDelta | undefined {
    const delta = this.deltaOf(part);
    if (delta && this.firstOutputAt === undefined) this.firstOutputAt = Date.now();
    return delta;
  }

  private deltaOf(part: TextStreamPart<ToolSet>): ChunkDelta | undefined {
    switch (part.type) {
      case "text-delta":
        if (!part.text) return undefined;
        this.text += part.text;
        return { content: part.text };
      case "tool-input-start":
        return this.startCall(part.id, part.toolName, "");
      case "tool-input-delta": {
        const index = this.indexes.get(part.id);
        if (index === undefined || !part.delta) return undefined;
        this.toolCalls[index].function.arguments += part.delta;
        return { tool_calls: [{ index, function: { arguments: part.delta } }] };
      }
      case "tool-call":
        // A provider that sends whole calls (no input deltas): the call in one delta.
        if (this.indexes.has(part.toolCallId)) return undefined;
        return this.startCall(part.toolCallId, part.toolName, JSON.stringify(part.input ?? {}));
      case "finish":
        this.finishReason = FINISH_REASONS[part.finishReason] ?? "stop";
        this.usage = part.totalUsage;
        return undefined;
      default:
        return undefined;
    }
  }

  private startCall(id: string, name: string, args: string): ChunkDelta {
    const index = this.toolCalls.length;
    this.indexes.set(id, index);
    this.toolCalls.push({ id, type: "function", function: { name, arguments: args } });
    return { tool_calls: [{ index, id, type: "function", function: { name, arguments: args } }] };
  }
}
