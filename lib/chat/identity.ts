import "server-only";
import { AppError } from "@/lib/errors";

/**
 * Anonymous visitor identity: a random id in a signed, HttpOnly cookie. No account, no personal data; it scopes a
 * visitor's notes (and later their stored conversations). Signed with HMAC-SHA256 over WebCrypto, so it runs the same
 * in workerd, next dev and Node. A cookie that is missing, malformed, forged or signed with another secret simply
 * gets a new identity: never an error.
 */
export const VISITOR_COOKIE = "edge_chat_visitor";
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
/** Domain separation: the same secret also signs other things (tool approvals). */
const SIGNING_CONTEXT = "edge-chat/visitor/v1:";
const VISITOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/; // base64url of 32 bytes, unpadded

/**
 * The second way to identify: embedded widgets (app/embed) run in a third-party iframe where cookies may be blocked,
 * so they keep a token (same `<uuid>.<signature>` shape, signed in its own context) and send it in this header.
 */
export const EMBED_TOKEN_HEADER = "x-edge-chat-token";
const EMBED_SIGNING_CONTEXT = "edge-chat/embed-visitor/v1:";

/** `embedded`: identified by an embed token (the embed preset applies). */
export type Visitor = { visitorId: string; setCookie?: string; embedded?: boolean };

/** A signed embed token for `visitorId` (minted by POST /api/embed/session). */
export async function embedToken(visitorId: string, secret: string): Promise<string> {
  const key = await signingKey(secret);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encode(EMBED_SIGNING_CONTEXT + visitorId)));
  return `${visitorId}.${toBase64Url(signature)}`;
}

/** The visitor an embed token proves, if any. */
export async function embedVisitorId(token: string | null, secret: string): Promise<string | undefined> {
  if (!token) return undefined;
  return verify(await signingKey(secret), token.trim(), EMBED_SIGNING_CONTEXT);
}

/** The visitor a Cookie header proves, if any (pages read it without minting a new identity). */
export async function knownVisitorId(cookieHeader: string | null, secret: string): Promise<string | undefined> {
  const key = await signingKey(secret);
  for (const value of cookieValues(cookieHeader, VISITOR_COOKIE)) {
    const visitorId = await verify(key, value);
    if (visitorId) return visitorId;
  }
  return undefined;
}

export async function identifyVisitor(request: Request, secret: string): Promise<Visitor> {
  // A request that carries an embed token is an embedded visitor: the token must be valid (no cookie fallback).
  const token = request.headers.get(EMBED_TOKEN_HEADER);
  if (token !== null) {
    const visitorId = await embedVisitorId(token, secret);
    if (!visitorId) throw new AppError("unauthorized:embed", "This chat session has expired. Reload the page.");
    return { visitorId, embedded: true };
  }
  const known = await knownVisitorId(request.headers.get("cookie"), secret);
  if (known) return { visitorId: known };
  const visitorId = crypto.randomUUID();
  return { visitorId, setCookie: await visitorCookie(visitorId, secret, request) };
}

/** The Set-Cookie value that makes `visitorId` this browser's visitor (Secure when the request came over https). */
export async function visitorCookie(visitorId: string, secret: string, request: Request): Promise<string> {
  const key = await signingKey(secret);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encode(SIGNING_CONTEXT + visitorId)));
  const secure = new URL(request.url).protocol === "https:";
  return [
    `${VISITOR_COOKIE}=${visitorId}.${toBase64Url(signature)}`,
    "Path=/",
    `Max-Age=${MAX_AGE_SECONDS}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

/** `<uuid>.<base64url HMAC>` → the uuid when the signature matches, else undefined. */
async function verify(key: CryptoKey, value: string, context = SIGNING_CONTEXT): Promise<string | undefined> {
  const dot = value.indexOf(".");
  const visitorId = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (dot < 0 || !VISITOR_ID.test(visitorId) || !SIGNATURE.test(signature)) return undefined;
  const bytes = fromBase64Url(signature);
  if (!bytes) return undefined;
  // subtle.verify compares the MACs in constant time (BoringSSL / OpenSSL CRYPTO_memcmp), in workerd and in Node.
  const valid = await crypto.subtle.verify("HMAC", key, bytes, encode(context + visitorId));
  return valid ? visitorId : undefined;
}

/** Every value of cookie `name` in a Cookie header (a browser can send the same name twice, for other paths). */
function cookieValues(header: string | null, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

const keys = new Map<string, Promise<CryptoKey>>();

function signingKey(secret: string): Promise<CryptoKey> {
  if (!secret) throw new Error("identifyVisitor: the secret must not be empty");
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    if (keys.size > 8) keys.clear(); // secrets do not change at runtime; this only bounds tests
    keys.set(secret, key);
  }
  return key;
}

function encode(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * A built-in key for a worker deployed without SESSION_SECRET, so the app keeps working (identities stay stable
 * across isolates). It is public: anyone who learns a visitor's id could then sign a cookie for it. Ids are random and
 * only ever sent in the HttpOnly cookie, so this degrades to an unsigned bearer id, which is why it is allowed at all.
 */
const FALLBACK_SECRET = "edge-chat: public fallback secret, set SESSION_SECRET";
let warned = false;

/**
 * SESSION_SECRET, which signs visitor cookies (and tool approvals). Local runs always have one: `npm start` and
 * `npm run dev` generate it once into .wrangler/session-secret (scripts/local-dev.mjs). A deployed worker needs
 * `npx wrangler secret put SESSION_SECRET`; without it this logs a loud error once per isolate and uses a public
 * fallback.
 */
export function sessionSecret(env: { SESSION_SECRET?: string }): string {
  const secret = env.SESSION_SECRET?.trim();
  if (secret) return secret;
  if (!warned) {
    warned = true;
    console.error(
      "!!! SECURITY WARNING: SESSION_SECRET is not set. Visitor cookies are signed with a PUBLIC built-in key and " +
        "can be forged. Set it in production: `openssl rand -base64 32 | npx wrangler secret put SESSION_SECRET`.",
    );
  }
  return FALLBACK_SECRET;
}
