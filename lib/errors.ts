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
  unsupported_media_type: 415,
  rate_limit: 429,
  config: 500,
  internal: 500,
} as const;

export type ErrorKind = keyof typeof statusByKind;
export type ErrorCode = `${ErrorKind}:${string}`;

export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  get status(): number {
    return statusByKind[this.code.split(":")[0] as ErrorKind];
  }

  toResponse(): Response {
    return Response.json(
      { error: { code: this.code, message: this.message } },
      { status: this.status, headers: { "cache-control": "no-store" } },
    );
  }
}

/** Turns anything thrown by a route into a JSON error response; unexpected errors are logged, not shown. */
export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return error.toResponse();
  console.error(error);
  return new AppError("internal:api", "Something went wrong on the server.").toResponse();
}
