/**
 * What the browser does between two requests, for multi-request tool flows (approvals, browser tools): rebuild the
 * assistant message from the streamed chunks exactly as `useChat` does (the AI SDK's own readUIMessageStream), then
 * answer an approval or a browser tool the way `addToolApprovalResponse` / `addToolOutput` change the message
 * (ai/dist/index.js, AbstractChat), and carry the visitor cookie across requests.
 */
import { readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { afterEach, beforeEach } from "vitest";

// The client's view of a tool part: loosely typed on purpose, tests forge and tamper with these.
export type ToolPart = {
  type: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; reason?: string; signature?: string; [key: string]: unknown };
  [key: string]: unknown;
};
export type ClientMessage = { id: string; role: "user" | "assistant"; parts: ToolPart[] | unknown[]; metadata?: unknown };

/**
 * The assistant message useChat holds once the stream is over. `continuing`: the last assistant message of the
 * conversation sent, which the stream continues (after an approval or a browser tool's output), as useChat does.
 * An `error` chunk does not stop it (useChat shows the error beside the message); tests read errors from the chunks.
 */
export async function assistantMessageFrom(chunks: UIMessageChunk[], continuing?: ClientMessage): Promise<ClientMessage> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  const message = continuing && (structuredClone(continuing) as unknown as UIMessage);
  for await (const next of readUIMessageStream({ message, stream, onError: () => {} })) last = next;
  if (!last) throw new Error("the stream produced no message");
  return structuredClone(last) as ClientMessage;
}

export function toolParts(message: ClientMessage): ToolPart[] {
  return (message.parts as ToolPart[]).filter((part) => part.type.startsWith("tool-"));
}

/** As `addToolApprovalResponse({ id, approved, reason })` changes the message. */
export function respondToApproval(message: ClientMessage, approvalId: string, approved: boolean, reason?: string): ClientMessage {
  let found = false;
  const parts = (message.parts as ToolPart[]).map((part) => {
    if (!part.type.startsWith("tool-") || part.state !== "approval-requested" || part.approval?.id !== approvalId) return part;
    found = true;
    return { ...part, state: "approval-responded", approval: { ...part.approval, id: approvalId, approved, reason } };
  });
  if (!found) throw new Error(`no approval request ${approvalId} in the message`);
  return { ...message, parts };
}

/** As `addToolOutput({ tool, toolCallId, output })` changes the message. */
export function addToolOutput(message: ClientMessage, toolCallId: string, output: unknown): ClientMessage {
  let found = false;
  const parts = (message.parts as ToolPart[]).map((part) => {
    if (!part.type.startsWith("tool-") || part.toolCallId !== toolCallId) return part;
    found = true;
    return { ...part, state: "output-available", input: part.input, output, errorText: undefined };
  });
  if (!found) throw new Error(`no tool call ${toolCallId} in the message`);
  return { ...message, parts };
}

/** The `name=value` of a Set-Cookie header, to send back as a Cookie header. */
export function cookieOf(response: Response): string {
  const setCookie = response.headers.get("set-cookie");
  if (!setCookie) throw new Error("the response set no cookie");
  return setCookie.split(";")[0];
}

/**
 * Sets WEATHER_API_BASE_URL for each test (to the fake Open-Meteo's URL) and restores the original after it.
 * chat-client's cleanEnvPerTest does not know this variable.
 */
export function weatherApiPerTest(baseUrl: () => string): void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.WEATHER_API_BASE_URL;
    process.env.WEATHER_API_BASE_URL = baseUrl();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WEATHER_API_BASE_URL;
    else process.env.WEATHER_API_BASE_URL = saved;
  });
}
