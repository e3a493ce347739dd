import { APICallError } from "ai";

const GENERIC = "Something went wrong. Try again.";

/** The chat is busy with an answer (another tab's, or one started before a reload): it can be stopped. */
export const TURN_CONFLICT_CODE = "conflict:turn";

export type ErrorDetails = {
  message: string;
  /** The server's error code (lib/errors.ts), e.g. `conflict:turn`. */
  code?: string;
  /** Set for a 429: seconds to wait before trying again. */
  retryAfter?: number;
};

/**
 * The server's JSON error body (lib/errors.ts): `{ error: { code, message, retryAfter? } }`, its message written for
 * people. Checked by hand: zod would add its weight to every page for this one shape.
 */
function detailsFromJson(text: string): ErrorDetails | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // Not JSON: handled by the caller.
  }
  const error = typeof body === "object" && body !== null && "error" in body ? body.error : undefined;
  if (typeof error !== "object" || error === null || !("message" in error) || typeof error.message !== "string") {
    return undefined;
  }
  const retryAfter = "retryAfter" in error && typeof error.retryAfter === "number" ? error.retryAfter : undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return {
    message: error.message,
    ...(code ? { code } : {}),
    ...(retryAfter !== undefined && retryAfter >= 0 ? { retryAfter } : {}),
  };
}

/**
 * What to show for a failed request. For a 4xx/5xx response the SDK's error message is the raw response body, so
 * pull the message out of our JSON and never show an HTML error page.
 */
export function errorDetails(error: Error): ErrorDetails {
  const fromJson = detailsFromJson(error.message);
  if (fromJson) return fromJson;
  if (APICallError.isInstance(error)) {
    return { message: error.statusCode ? `The server could not answer (HTTP ${error.statusCode}). Try again.` : GENERIC };
  }
  if (error instanceof TypeError) return { message: "Could not reach the server. Check your connection and try again." };
  // In-stream errors carry the server's already-safe sentence.
  return { message: error.message || GENERIC };
}

/** "42 s", "3 min", "5 h 12 min": how long until the user may try again. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${minutes / 60} h`;
}
