/**
 * Whether the client reached the app over https. The worker entry (lib/worker.ts) sees the URL the client used and
 * passes its scheme to Next in this header, replacing any value a client sent: inside Next the request URL is not
 * always the public one. Outside the worker (next dev, tests) the request URL is all there is.
 */
export const SCHEME_HEADER = "x-edge-chat-scheme";

/**
 * The request as Next should see it: with the scheme the client really used, and the host it really asked for
 * (OpenNext takes the host from a client's X-Forwarded-Host, which Cloudflare passes on: "localhost" there would pass
 * for a local run, isHttpsOrLoopback).
 */
export function withScheme(request: Request, url: URL): Request {
  const headers = new Headers(request.headers);
  headers.set(SCHEME_HEADER, url.protocol === "https:" ? "https" : "http");
  headers.delete("x-forwarded-host");
  return new Request(request, { headers });
}

export function isHttps(headers: Pick<Headers, "get">, url?: string): boolean {
  const scheme = headers.get(SCHEME_HEADER);
  if (scheme) return scheme === "https";
  return url !== undefined && url.startsWith("https:");
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a password may be sent here: over https, or to this machine (a local run, plain http). The Host header
 * first: inside OpenNext the request URL's host is always localhost.
 */
export function isHttpsOrLoopback(headers: Pick<Headers, "get">, url?: string): boolean {
  if (isHttps(headers, url)) return true;
  const host = headers.get("host") ?? (url === undefined ? null : new URL(url).host);
  if (!host) return false;
  try {
    return LOOPBACK.has(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}
