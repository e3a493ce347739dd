import { DefaultChatTransport } from "ai";
import type { ChatMessage } from "@/lib/chat/types";

/**
 * The body of POST /api/chat. The server keeps the history, so a request carries only what is new: the last message
 * (the user's new message, or the assistant message that now holds a tool approval or a browser tool's output).
 * A regeneration sends no message: `messageId` names the answer to replace (absent: the last one).
 */
export type ChatRequestBody = {
  id: string;
  message?: ChatMessage;
  trigger: "submit-message" | "regenerate-message";
  messageId?: string;
  model?: string;
};

export function chatRequestBody(options: {
  id: string;
  messages: ChatMessage[];
  trigger: ChatRequestBody["trigger"];
  messageId: string | undefined;
  model: string | undefined;
}): ChatRequestBody {
  const { id, messages, trigger, messageId, model } = options;
  return {
    id,
    trigger,
    ...(messageId ? { messageId } : {}),
    ...(model ? { model } : {}),
    ...(trigger === "regenerate-message" ? {} : { message: messages.at(-1) }),
  };
}

/**
 * The chat transport, which reads the selected model as each request goes out, so every request carries it: the
 * user's sends and regenerations, and also the automatic follow-ups after a browser tool's output or an approval,
 * which useChat sends without per-call options. A change in the picker applies to the very next request.
 */
export function createTransport(headers?: () => Record<string, string>) {
  let model: string | undefined;
  return {
    transport: new DefaultChatTransport<ChatMessage>({
      api: "/api/chat",
      // The embedded widget identifies with its token (components/embed), on every request, resumes included.
      ...(headers ? { headers } : {}),
      prepareSendMessagesRequest: ({ id, messages, trigger, messageId }) => ({
        body: chatRequestBody({ id, messages, trigger, messageId, model }),
      }),
    }),
    setModel: (modelId: string | undefined) => {
      model = modelId;
    },
  };
}

/** A new chat's id. crypto.randomUUID needs a secure context (https or localhost); a LAN address over http has none. */
export function newChatId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
