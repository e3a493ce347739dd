/**
 * The one error type the API returns. A code is `<kind>:<surface>`; the kind picks the HTTP status.
 * Messages are written for the person using the app: never a key, a URL with credentials or a stack.
 */
const statusByKind = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  rate_limit: 429,
  config: 500,
  internal: 500,
} as const;

export type ErrorKind = keyof typeof statusByKind;
export type ErrorCode = `${ErrorKind}:${string}`;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** For a 429: when the client may try again, in seconds (sent as `Retry-After` and as `retryAfter`). */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number } = {}) {
    super(message);
    this.code = code;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return statusByKind[this.code.split(":")[0] as ErrorKind];
  }

  toResponse(): Response {
    const { code, message, retryAfter } = this;
    return Response.json(
      { error: { code, message, ...(retryAfter === undefined ? {} : { retryAfter }) } },
      {
        status: this.status,
        headers: {
          "cache-control": "no-store",
          ...(retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }),
        },
      },
    );
  }
}

/** Turns anything thrown by a route into a JSON error response; unexpected errors are logged, not shown. */
export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return error.toResponse();
  console.error(error);
  return new AppError("internal:api", "Something went wrong on the server.").toResponse();
}

/**
 * A 405 in the API's JSON error shape, keeping the `Allow` header. Next answers a method a route does not export with
 * an empty 405 of its own; the worker entry (lib/worker.ts) replaces it with this.
 */
export function methodNotAllowed(allow: string | null): Response {
  const response = new AppError("method_not_allowed:api", "This method is not allowed here.").toResponse();
  if (allow) response.headers.set("allow", allow);
  return response;
}
