/**
 * A fake Gemini API on 127.0.0.1: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`. Each SSE event is
 * `data: <GenerateContentResponse>` (no `event:` lines, no end marker): candidates[0].content.parts with `text` or
 * `functionCall`, `usageMetadata` on every chunk, `finishReason` on the last. Function calls come whole (`args`) or
 * with their arguments streamed (`partialArgs` with `willContinue`), as in
 * tests/fixtures/recorded/google-stream-tool-call-arguments.chunks.txt. HTTP errors carry Google's
 * `{ error: { code, message, status, details? } }` body.
 */
import { fixtureLines } from "./fake-openai";
import { ReplyQueue, startFakeServer, tinyChunks, type FakeServerCore, type Script, type SseEvent } from "./http-fake";

export type GoogleUsage = { input: number; output: number };

export type GoogleCall = {
  toolName: string;
  /** String-valued arguments (all this app's tools need). */
  args: Record<string, string>;
  /** "whole": one `functionCall` with its `args`; "streamed" (default): `partialArgs` pieces of 1–3 characters. */
  mode?: "whole" | "streamed";
};

export type GoogleReply =
  | {
      type: "text";
      deltas: string[];
      usage?: GoogleUsage;
      /** Destroy the socket after this many text chunks. */
      dropAfterDeltas?: number;
      /** Go silent, connection open, after this many text chunks (0: before the first). */
      stallAfterDeltas?: number;
    }
  | { type: "tool-calls"; calls: GoogleCall[]; usage?: GoogleUsage }
  | {
      type: "replay";
      /** A file name under tests/fixtures/recorded/. */
      file: string;
      /** Optional rewrite of each recorded line before it is sent. */
      transform?: (line: string) => string;
    }
  | { type: "error"; status: number }
  /** Google's answer to a bad API key: HTTP 400 INVALID_ARGUMENT whose details say API_KEY_INVALID (not a 401). */
  | { type: "invalid-key" };

export type FakeGoogle = FakeServerCore & {
  /** Value for GOOGLE_BASE_URL (ends in /v1beta). */
  baseURL: string;
  /** The model of each request, in order. */
  models: string[];
  reply(...replies: GoogleReply[]): void;
  replyAlways(reply: GoogleReply): void;
};

/** Google's canonical error statuses per HTTP status. */
const ERRORS: Record<number, { status: string; message: string }> = {
  401: { status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials." },
  429: { status: "RESOURCE_EXHAUSTED", message: "Resource has been exhausted (e.g. check quota)." },
  500: { status: "INTERNAL", message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting" },
};

const STREAM_PATH = /^\/v1beta\/models\/([^/:]+):streamGenerateContent\?alt=sse$/;

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const queue = new ReplyQueue<GoogleReply>();
  const models: string[] = [];
  const core = await startFakeServer((request) => {
    const match = request.method === "POST" ? STREAM_PATH.exec(request.path) : null;
    if (!match) return errorScript(404, { status: "NOT_FOUND", message: `Unknown path ${request.path}` });
    models.push(decodeURIComponent(match[1]));
    const reply = queue.next();
    if (!reply) return errorScript(400, { status: "INVALID_ARGUMENT", message: "fake-google: no scripted reply left" });
    return script(reply, models.at(-1)!);
  });
  return {
    ...core,
    requests: core.requests,
    get connectionsClosedEarly() {
      return core.connectionsClosedEarly;
    },
    baseURL: `${core.url}/v1beta`,
    models,
    reply: (...replies) => queue.reply(...replies),
    replyAlways: (reply) => queue.replyAlways(reply),
  };
}

/** The body Gemini sends for a bad API key, verbatim. */
const INVALID_KEY = {
  status: "INVALID_ARGUMENT",
  message: "API key not valid. Please pass a valid API key.",
  details: [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
    { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: "API key not valid. Please pass a valid API key." },
  ],
};

function errorScript(code: number, error: { status: string; message: string; details?: object[] }): Script {
  return {
    kind: "json",
    status: code,
    // The app retries 429 and 5xx once (lib/ai/fallback.ts); this keeps its wait to 1 ms instead of 1 s.
    headers: { "retry-after-ms": "1" },
    body: { error: { code, ...error } },
  };
}

/** The parts that stream one call's arguments: name first, then each string value in pieces, then an empty call. */
function streamedCallParts(call: GoogleCall): object[] {
  const parts: object[] = [{ functionCall: { name: call.toolName, willContinue: true } }];
  for (const [key, value] of Object.entries(call.args)) {
    const jsonPath = `$.${key}`;
    for (const piece of tinyChunks(value)) {
      parts.push({ functionCall: { partialArgs: [{ jsonPath, stringValue: piece, willContinue: true }], willContinue: true } });
    }
    parts.push({ functionCall: { partialArgs: [{ jsonPath, stringValue: "" }], willContinue: true } });
  }
  parts.push({ functionCall: {} });
  return parts;
}

function script(reply: GoogleReply, model: string): Script {
  if (reply.type === "invalid-key") return errorScript(400, INVALID_KEY);
  if (reply.type === "error") return errorScript(reply.status, ERRORS[reply.status] ?? { status: "UNKNOWN", message: `HTTP ${reply.status}` });
  if (reply.type === "replay") {
    return { kind: "sse", events: fixtureLines(reply.file).map((line) => ({ data: reply.transform ? reply.transform(line) : line })) };
  }

  const usage = reply.usage ?? { input: 21, output: 9 };
  const usageMetadata = {
    promptTokenCount: usage.input,
    candidatesTokenCount: usage.output,
    totalTokenCount: usage.input + usage.output,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: usage.input }],
  };
  const chunk = (part: object, finishReason?: string): SseEvent => ({
    data: JSON.stringify({
      candidates: [{ content: { parts: [part], role: "model" }, ...(finishReason ? { finishReason } : {}), index: 0 }],
      usageMetadata,
      modelVersion: model,
      responseId: "fake-response-id",
    }),
  });

  if (reply.type === "text") {
    const events = reply.deltas.map((text) => chunk({ text }));
    events.push(chunk({ text: "" }, "STOP"));
    return { kind: "sse", events, dropAfter: reply.dropAfterDeltas, stallAfter: reply.stallAfterDeltas };
  }
  const parts = reply.calls.flatMap((call) =>
    call.mode === "whole" ? [{ functionCall: { name: call.toolName, args: call.args } }] : streamedCallParts(call),
  );
  // Gemini ends a function-call turn with finishReason STOP (the SDK infers tool-calls from the parts).
  return { kind: "sse", events: [...parts.map((part) => chunk(part)), chunk({ text: "" }, "STOP")] };
}
