/**
 * Which host pages may embed the widget and call the chat API cross-origin (EMBED_ALLOWED_ORIGINS), and the headers
 * that enforce it. Pure functions: the worker entry (lib/worker.ts) applies them to every response.
 */

/** `https://example.com` (scheme, host, port; no path) or undefined when `value` is not an http(s) origin. */
export function normalizeOrigin(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed || trimmed === "null") return undefined;
  try {
    const url = new URL(trimmed);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    if (url.username || url.password) return undefined;
    // Only a bare origin is accepted: a path, query or fragment means it was not one.
    if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) return undefined;
    if (trimmed.endsWith("/")) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** EMBED_ALLOWED_ORIGINS (comma list) → normalized origins; invalid entries are dropped. */
export function parseAllowedOrigins(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : (value ?? "").split(",");
  const origins = new Set<string>();
  for (const item of items) {
    const origin = normalizeOrigin(item);
    if (origin) origins.add(origin);
  }
  return [...origins];
}

/** Exact origin match (scheme, host and port); `null`, empty or malformed origins never match. */
export function isAllowedOrigin(origin: string | null | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  const normalized = normalizeOrigin(origin);
  return normalized !== undefined && normalized === origin && allowed.includes(normalized);
}

/** The widget's page, the only one that may be framed (by the allowed origins); /embed/open and the rest may not. */
export function isEmbedPath(pathname: string): boolean {
  return pathname === "/embed";
}

/** The API surfaces that answer cross-origin requests from allowed hosts. */
export function isCorsPath(pathname: string): boolean {
  return (
    pathname === "/api/chat" ||
    pathname.startsWith("/api/chat/") ||
    pathname === "/api/chats" ||
    pathname.startsWith("/api/chats/") ||
    pathname === "/api/models" ||
    pathname.startsWith("/api/embed/") ||
    pathname.startsWith("/v1/")
  );
}

/** The frame-ancestors sources of a page: /embed may be framed by the allowlist, nothing else at all ('none'). */
export function frameAncestors(pathname: string, allowed: readonly string[]): string {
  return isEmbedPath(pathname) && allowed.length > 0 ? allowed.join(" ") : "'none'";
}

/** The header an embedded visitor identifies with (its embed token, lib/chat/identity.ts) instead of a cookie. */
export const EMBED_TOKEN_HEADER = "x-edge-chat-token";

export const CORS_ALLOWED_HEADERS = `content-type, authorization, ${EMBED_TOKEN_HEADER}, x-chat-known-message`;
export const CORS_ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";

/** The CORS headers for an allowed origin. No credentials: cross-origin callers identify with an embed token. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": CORS_ALLOWED_METHODS,
    "access-control-allow-headers": CORS_ALLOWED_HEADERS,
    "access-control-max-age": "600",
    vary: "Origin",
  };
}

export type CorsDecision =
  /** Same-origin or no Origin header: nothing to add but `Vary: Origin`. */
  | { kind: "same-origin" }
  | { kind: "allowed"; origin: string }
  | { kind: "refused" };

/** How a request to a CORS path is treated, from its Origin header and the request's own origin. */
export function corsDecision(origin: string | null, selfOrigin: string, allowed: readonly string[]): CorsDecision {
  if (origin === null || origin === selfOrigin) return { kind: "same-origin" };
  if (isAllowedOrigin(origin, allowed)) return { kind: "allowed", origin };
  return { kind: "refused" };
}

/**
 * Whether the request comes from one of this app's own pages: Fetch Metadata where the browser sends it (it cannot be
 * set by a page), else an Origin naming this host.
 */
export function fromOwnPage(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = request.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host === request.headers.get("host");
  } catch {
    return false;
  }
}
