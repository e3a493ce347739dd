import "server-only";
import { getToolName, isToolUIPart, safeValidateUIMessages } from "ai";
import { z } from "zod";
import type { ChatTools } from "@/lib/ai/tools";
import { CLIENT_TEXT_MAX_BYTES } from "@/lib/ai/tools/browser-client";
import { AppError } from "@/lib/errors";
import type { ChatMessage } from "./types";

export const LIMITS = {
  /** Hard cap on the raw body, enforced while reading so a huge body is never buffered. */
  maxBodyBytes: 1_000_000,
  maxMessages: 200,
  /** Parts in the one message a request carries (a multi-step answer with tools has a few dozen at most). */
  maxParts: 100,
  /** Text the user and model wrote, summed over all messages (client-supplied tool texts included). */
  maxTextBytes: 100_000,
  /** Each text a client adds to an answer: an approval's reason, a browser tool's output or error (as JSON). */
  maxClientTextBytes: CLIENT_TEXT_MAX_BYTES,
};

/**
 * The server owns the history (lib/chat/history.ts): a client sends only the new message, or the last assistant
 * message when it answers a tool approval or a browser tool. A stock `useChat` client sends `messages` (the whole
 * conversation): only its last message is read, so a client cannot rewrite history.
 */
const requestSchema = z
  .object({
    id: z.string().min(1).max(128),
    message: z.unknown().optional(),
    messages: z.array(z.unknown()).min(1).optional(),
    trigger: z.enum(["submit-message", "regenerate-message"]).default("submit-message"),
    messageId: z.string().max(128).optional(),
    model: z.string().min(1).max(200).optional(),
  })
  .refine((body) => body.trigger === "regenerate-message" || body.message !== undefined || body.messages, {
    message: "send the new message as `message`",
    path: ["message"],
  })
  .refine((body) => body.trigger === "submit-message" || body.messageId, {
    message: "regenerate needs the `messageId` of the answer to replace",
    path: ["messageId"],
  });

export type ChatRequest = Omit<z.infer<typeof requestSchema>, "message" | "messages"> & {
  /** The new or updated message; absent when regenerating. */
  message?: ChatMessage;
};

const messageRole = z.object({ role: z.enum(["user", "assistant"]) }).loose();

/** Reads the body as text, failing with 413 as soon as it passes `maxBytes`. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > maxBytes) throw tooLarge(`The request body is larger than ${maxBytes} bytes.`);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let size = 0;
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge(`The request body is larger than ${maxBytes} bytes.`);
      }
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("bad_request:body", "The request body is not valid UTF-8 text.");
  }
}

export function tooLarge(message: string): AppError {
  return new AppError("payload_too_large:chat", message);
}

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * What people and models wrote: text and reasoning, and on tool cards what a client can write (approval reasons,
 * errors, the outputs of browser tools, which the page answers).
 */
function textBytes(messages: ChatMessage[], isBrowserTool: (toolName: string) => boolean): number {
  let total = 0;
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type === "text" || part.type === "reasoning") total += utf8Bytes(part.text);
      else if (isToolUIPart(part)) {
        if (part.approval?.reason) total += utf8Bytes(part.approval.reason);
        if (part.state === "output-error") total += utf8Bytes(part.errorText);
        if (part.state === "output-available" && isBrowserTool(getToolName(part))) total += utf8Bytes(JSON.stringify(part.output));
      }
    }
  }
  return total;
}

/** A JSON request body: application/json only (415), at most `maxBytes` while it is read (413), valid JSON (400). */
export async function readJsonBody(request: Request, maxBytes: number, what: string): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("application/json")) {
    throw new AppError("unsupported_media_type:json", `Send ${what} as application/json.`);
  }
  const body = await readBodyText(request, maxBytes);
  try {
    return JSON.parse(body);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid JSON.");
  }
}

/** Validates a POST /api/chat body: shape first, then limits, then each message against the tool schemas. */
export async function parseChatRequest(request: Request, tools: ChatTools): Promise<ChatRequest> {
  const json = await readJsonBody(request, LIMITS.maxBodyBytes, "the chat request");

  const envelope = requestSchema.safeParse(json);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    throw new AppError("bad_request:chat", `Invalid chat request: ${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  const { message: single, messages, ...rest } = envelope.data;
  if (messages && messages.length > LIMITS.maxMessages) {
    throw tooLarge(`A conversation can hold at most ${LIMITS.maxMessages} messages.`);
  }
  const raw = single ?? messages?.at(-1);
  if (raw === undefined) return rest;
  // Only users and the assistant speak; system instructions are the server's.
  if (!messageRole.safeParse(raw).success) {
    throw new AppError("bad_request:chat", "Each message needs a role of \"user\" or \"assistant\".");
  }
  const parts = (raw as { parts?: unknown }).parts;
  if (Array.isArray(parts) && parts.length > LIMITS.maxParts) {
    throw tooLarge(`A message can have at most ${LIMITS.maxParts} parts.`);
  }
  const validated = await safeValidateUIMessages<ChatMessage>({ messages: [raw], tools });
  if (!validated.success) {
    throw new AppError("bad_request:chat", `Invalid message: ${validated.error.message.slice(0, 300)}`);
  }
  const [message] = validated.data;
  // The app sends user text only (no attachments). A file part would have the AI SDK download its URL from the
  // server (file://, internal hosts), so anything but text from a user is refused.
  if (message.role === "user" && message.parts.some((part) => part.type !== "text")) {
    throw new AppError("bad_request:chat", "A user message can only carry text parts.");
  }
  if (textBytes([message], () => false) > LIMITS.maxTextBytes) {
    throw tooLarge(`A message can hold at most ${LIMITS.maxTextBytes / 1000} KB of text.`);
  }
  return { ...rest, message };
}

/** The whole conversation, as the server assembled it, must stay within the limits too. */
export function checkConversationLimits(messages: ChatMessage[], isBrowserTool: (toolName: string) => boolean = () => false): void {
  if (messages.length > LIMITS.maxMessages) {
    throw tooLarge(`A conversation can hold at most ${LIMITS.maxMessages} messages. Start a new chat.`);
  }
  if (textBytes(messages, isBrowserTool) > LIMITS.maxTextBytes) {
    throw tooLarge(`The conversation has more than ${LIMITS.maxTextBytes / 1000} KB of text. Start a new chat.`);
  }
}
