import { APICallError } from "ai";

const GENERIC = "Something went wrong. Try again.";

/** The server's JSON error body is `{ error: { code, message } }`; its message is written for people. */
function messageFromJson(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
    const { error } = body;
    if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
      return error.message;
    }
  } catch {
    // Not JSON: handled by the caller.
  }
  return undefined;
}

/**
 * A sentence to show for a failed request. For a 4xx/5xx response the SDK's error message is the raw
 * response body, so pull the message out of our JSON and never show an HTML error page.
 */
export function errorMessage(error: Error): string {
  const fromJson = messageFromJson(error.message);
  if (fromJson) return fromJson;
  if (APICallError.isInstance(error)) {
    return error.statusCode ? `The server could not answer (HTTP ${error.statusCode}). Try again.` : GENERIC;
  }
  if (error instanceof TypeError) return "Could not reach the server. Check your connection and try again.";
  // In-stream errors carry the server's already-safe sentence.
  return error.message || GENERIC;
}
