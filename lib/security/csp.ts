/**
 * The Content-Security-Policy of the app's pages, sent by the worker entry (lib/worker.ts). Scripts run only with the
 * response's nonce: Next reads it from the `content-security-policy` header of the request it renders and puts it on
 * its own script tags; 'strict-dynamic' lets those load the rest of the bundle. Not in `next dev` (React needs eval
 * there). Every page is rendered per request (app/layout.tsx), so no prerendered HTML goes out without the nonce.
 */

/** A fresh nonce for one response: 128 random bits, base64. */
export function createNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** The policy for a page whose scripts carry `nonce`; `frameAncestors` from lib/embed/origins.ts. */
export function contentSecurityPolicy(nonce: string, frameAncestors: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // React renders style attributes, which only 'unsafe-inline' allows (a nonce here would switch it off).
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

/**
 * The page's security headers. X-Frame-Options for browsers without frame-ancestors; it cannot name origins, so it
 * goes out only when nobody may frame the page.
 */
export function pageSecurityHeaders(nonce: string, frameAncestors: string): Record<string, string> {
  const policy = { "content-security-policy": contentSecurityPolicy(nonce, frameAncestors) };
  return frameAncestors === "'none'" ? { ...policy, "x-frame-options": "DENY" } : policy;
}

/** The request as Next should render it: Next's renderer takes the nonce from the request's policy header. */
export function withNonce(request: Request, nonce: string): Request {
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", `script-src 'nonce-${nonce}'`);
  return new Request(request, { headers });
}
