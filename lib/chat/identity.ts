import "server-only";
import { parseCookie } from "cookie";
import { EMBED_TOKEN_HEADER } from "@/lib/embed/origins";
import { AppError } from "@/lib/errors";
import { isHttps } from "@/lib/security/scheme";

/**
 * Anonymous visitor identity: a random id in a signed, HttpOnly cookie. No account, no personal data; it scopes a
 * visitor's chats, notes and budget. Signed with HMAC-SHA256 over WebCrypto, so it runs the same in workerd, next dev
 * and Node. A cookie that is missing, malformed, forged or signed with another secret proves nobody: the visitor is
 * new (an identity is minted only where something is written, lib/chat/session.ts).
 *
 * Over https the cookie is `__Host-` prefixed: a browser accepts it only from this exact host over https, so a sibling
 * subdomain or a network attacker cannot plant one (and a plain-named cookie is not read there at all).
 */
export const VISITOR_COOKIE = "edge_chat_visitor";
const SECURE_VISITOR_COOKIE = `__Host-${VISITOR_COOKIE}`;
/** A year, renewed whenever the visitor comes back, so a returning visitor never loses their chats. */
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
/** Domain separation: the same secret also signs other things (embed tokens, tool approvals). */
const SIGNING_CONTEXT = "edge-chat/visitor/v1:";
const VISITOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/; // base64url of 32 bytes, unpadded

/**
 * The second way to identify: embedded widgets (app/embed) run in a third-party iframe where cookies may be blocked,
 * so they keep a token and send it in the EMBED_TOKEN_HEADER. A token is `<uuid>.<version>.<issued s>.<signature>`:
 * it expires EMBED_TOKEN_TTL_SECONDS after it was issued (the widget renews it on every load, so the expiry slides)
 * and is revoked by raising the visitor's token version (lib/db/embed-visitors.ts).
 */
const EMBED_SIGNING_CONTEXT = "edge-chat/embed-visitor/v2:";
export const EMBED_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
const EMBED_TOKEN = /^([0-9a-f-]{36})\.(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export type EmbedTokenClaims = { visitorId: string; version: number; issuedAt: number };

/** `embedded`: identified by an embed token (the embed preset applies). `isNew`: minted by this request. */
export type Visitor = { visitorId: string; embedded: boolean; isNew: boolean; setCookie?: string };

const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** A signed embed token for `visitorId` at token version `version` (minted by POST /api/embed/session). */
export async function embedToken(visitorId: string, version: number, secret: string, now = new Date()): Promise<string> {
  const claims = `${visitorId}.${version}.${seconds(now)}`;
  return `${claims}.${await sign(secret, EMBED_SIGNING_CONTEXT + claims)}`;
}

/** What a well-signed, unexpired embed token says; whether its version is still current is the caller's check. */
export async function readEmbedToken(token: string | null, secret: string, now = new Date()): Promise<EmbedTokenClaims | undefined> {
  const match = token ? EMBED_TOKEN.exec(token.trim()) : null;
  if (!match) return undefined;
  const [, visitorId, version, issuedAt, signature] = match;
  if (!VISITOR_ID.test(visitorId)) return undefined;
  const claims = `${visitorId}.${version}.${issuedAt}`;
  if (!(await verifySignature(secret, EMBED_SIGNING_CONTEXT + claims, signature))) return undefined;
  const age = seconds(now) - Number(issuedAt);
  // A small allowance for clocks that differ between machines; never a token from the future beyond it.
  if (age < -300 || age > EMBED_TOKEN_TTL_SECONDS) return undefined;
  return { visitorId, version: Number(version), issuedAt: Number(issuedAt) };
}

/** An embed token that is well signed, unexpired and of the visitor's current version (not revoked). */
export async function validEmbedToken(
  token: string | null,
  secret: string,
  tokenVersion: (visitorId: string) => Promise<number>,
): Promise<EmbedTokenClaims | undefined> {
  const claims = await readEmbedToken(token, secret);
  return claims && claims.version === (await tokenVersion(claims.visitorId)) ? claims : undefined;
}

/**
 * The visitor a Cookie header proves, if any (pages read it without minting a new identity). Over https only the
 * `__Host-` cookie counts.
 */
export async function knownVisitorId(cookieHeader: string | null, secret: string, secure: boolean): Promise<string | undefined> {
  for (const value of cookieValues(cookieHeader, secure ? SECURE_VISITOR_COOKIE : VISITOR_COOKIE)) {
    const dot = value.indexOf(".");
    const visitorId = value.slice(0, dot);
    const signature = value.slice(dot + 1);
    if (dot < 0 || !VISITOR_ID.test(visitorId)) continue;
    if (await verifySignature(secret, SIGNING_CONTEXT + visitorId, signature)) return visitorId;
  }
  return undefined;
}

export type IdentifyOptions = {
  secret: string;
  /** The visitor's current embed token version (revoking raises it). */
  tokenVersion: (visitorId: string) => Promise<number>;
};

/**
 * Who is asking: an embed token (which must be valid: no cookie fallback), else the cookie, else a new visitor
 * (`isNew`, with the cookie that would make them lasting). A returning visitor's cookie is sent again, which renews
 * its expiry.
 */
export async function identifyVisitor(request: Request, { secret, tokenVersion }: IdentifyOptions): Promise<Visitor> {
  const token = request.headers.get(EMBED_TOKEN_HEADER);
  if (token !== null) {
    const claims = await validEmbedToken(token, secret, tokenVersion);
    if (!claims) {
      throw new AppError("unauthorized:embed", "This chat session has expired. Reload the page.");
    }
    return { visitorId: claims.visitorId, embedded: true, isNew: false };
  }
  const secure = isHttps(request.headers, request.url);
  const known = await knownVisitorId(request.headers.get("cookie"), secret, secure);
  const visitorId = known ?? crypto.randomUUID();
  return { visitorId, embedded: false, isNew: !known, setCookie: await visitorCookie(visitorId, secret, secure) };
}

/** The Set-Cookie value that makes `visitorId` this browser's visitor. */
export async function visitorCookie(visitorId: string, secret: string, secure: boolean): Promise<string> {
  const signature = await sign(secret, SIGNING_CONTEXT + visitorId);
  return [
    `${secure ? SECURE_VISITOR_COOKIE : VISITOR_COOKIE}=${visitorId}.${signature}`,
    "Path=/",
    `Max-Age=${MAX_AGE_SECONDS}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

/**
 * The token of the turn runner (POST /api/chat/run, lib/chat/turn.ts): conversation objects send it with the turns
 * they dispatch, so nobody else can run a turn in a visitor's name. Never leaves the server.
 */
const RUNNER_CONTEXT = "edge-chat turn runner v1";

export function runnerToken(secret: string): Promise<string> {
  return sign(secret, RUNNER_CONTEXT);
}

export function validRunnerToken(token: string | null, secret: string): Promise<boolean> {
  return token ? verifySignature(secret, RUNNER_CONTEXT, token) : Promise.resolve(false);
}

/** HMAC-SHA256 of `data` under `secret`, base64url. Callers prefix `data` with a context of their own. */
export async function sign(secret: string, data: string): Promise<string> {
  const key = await signingKey(secret);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encode(data))));
}

/** Whether `signature` is sign(secret, data), compared in constant time. */
export async function verifySignature(secret: string, data: string, signature: string): Promise<boolean> {
  if (!SIGNATURE.test(signature)) return false;
  const bytes = fromBase64Url(signature);
  if (!bytes) return false;
  // subtle.verify compares the MACs in constant time (BoringSSL / OpenSSL CRYPTO_memcmp), in workerd and in Node.
  return crypto.subtle.verify("HMAC", await signingKey(secret), bytes, encode(data));
}

/**
 * Every value of cookie `name` in a Cookie header: a browser can send the same name twice (for other paths), and
 * `parseCookie` keeps only the first, so each `;`-separated pair (the separator it splits on too) is parsed alone.
 * Values are taken as sent (no URI decoding): ours never need it.
 */
export function cookieValues(header: string | null, name: string): string[] {
  if (!header) return [];
  return header.split(";").flatMap((pair) => parseCookie(pair, { decode: (value) => value })[name] ?? []);
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

export function toBase64Url(bytes: Uint8Array): string {
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

let warned = false;

/**
 * SESSION_SECRET, which signs visitor cookies, embed tokens and tool approvals. Local runs always have one:
 * `npm start` and `npm run dev` generate it once into .wrangler/session-secret (scripts/local-dev.mjs). A deployed
 * worker needs `npx wrangler secret put SESSION_SECRET`; without it, every route that needs it refuses with this
 * error (and the reason goes to the log once per isolate): there is no built-in key anyone could forge with.
 */
export function sessionSecret(env: { SESSION_SECRET?: string }): string {
  const secret = env.SESSION_SECRET?.trim();
  if (secret) return secret;
  if (!warned) {
    warned = true;
    console.error(
      "edge-chat: SESSION_SECRET is not set, so chats are refused. Set it: " +
        "`openssl rand -base64 32 | npx wrangler secret put SESSION_SECRET`.",
    );
  }
  throw new AppError("config:secret", "This chat is not set up yet: its owner needs to set SESSION_SECRET.");
}
