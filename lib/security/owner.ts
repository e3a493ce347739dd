import "server-only";
import { createRemoteJWKSet, errors, jwtVerify, type RemoteJWKSet } from "jose";
import { headers as pageHeaders } from "next/headers";
import { cache } from "react";
import { z } from "zod";
import { cookieValues, sessionSecret, sign, verifySignature } from "@/lib/chat/identity";
import { clientIp, enforceOwnerAttemptLimit } from "@/lib/chat/limits";
import { readBodyText, readJsonBody } from "@/lib/chat/request";
import { readEnv, type AppEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { isHttps, isHttpsOrLoopback } from "./scheme";

/**
 * Who is the deployment's owner, the one person who may see usage data (/usage, /api/usage/...). Three proofs:
 * - Cloudflare Access (ACCESS_TEAM_DOMAIN + ACCESS_AUD): the application token Access adds to every request it lets
 *   through, an RS256 JWT checked against the team's published keys, this application's AUD tag, the team's issuer and
 *   its expiry. Whoever the Access policy lets in is the owner.
 * - ADMIN_TOKEN as `Authorization: Bearer <token>` (scripts, on the data endpoints; never on pages);
 * - the owner cookie the /usage sign-in form sets after the same password (POST /api/usage/session).
 * With neither configured nobody is the owner, and the data endpoints answer 404 to everyone.
 */

/**
 * The header that carries Access's application token. Access also sets a `CF_Authorization` cookie, but Cloudflare
 * recommends the header: the cookie is not always passed on.
 */
export const ACCESS_JWT_HEADER = "cf-access-jwt-assertion";
export const OWNER_COOKIE = "edge_chat_owner";
/** Over https the cookie is `__Host-` prefixed (only this host, over https, can set it), as the visitor cookie is. */
const SECURE_OWNER_COOKIE = `__Host-${OWNER_COOKIE}`;
/** A sign-in lasts a week; it is not renewed on use. */
export const OWNER_SESSION_SECONDS = 7 * 24 * 60 * 60;
/** Domain separation from the other things SESSION_SECRET signs (lib/chat/identity.ts). */
const COOKIE_CONTEXT = "edge-chat/owner/v1:";
/** `<expiry, unix seconds>.<signature>` */
const COOKIE_VALUE = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
const SIGN_IN_MAX_BYTES = 2_048;

export type OwnerProof = "access" | "bearer" | "cookie";

export type OwnerAccess = {
  /** Some way in is configured: ADMIN_TOKEN, or Cloudflare Access. Without one nobody is the owner. */
  configured: boolean;
  /** ADMIN_TOKEN is set: the sign-in form and bearer tokens work. */
  tokenSignIn: boolean;
  owner: boolean;
  /** How this request proved it is the owner's (null: it did not). */
  via: OwnerProof | null;
};

/** GET /api/usage/session, for the owner only. */
export type OwnerSessionResponse = { owner: true; via: OwnerProof };

const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** Whether `request` is the owner's: an Access token, a bearer ADMIN_TOKEN, or the owner cookie. */
export async function ownerAccess(request: Request): Promise<OwnerAccess> {
  // A bearer token sent over plain http proves nothing: it has crossed the network in the clear.
  const bearerIp = passwordAllowed(request) ? clientIp(request) : undefined;
  return evaluate(await readEnv(), request.headers, isHttps(request.headers, request.url), bearerIp);
}

/** ADMIN_TOKEN (the sign-in, a bearer token) is taken over https only, or on this machine (a local run). */
function passwordAllowed(request: Request): boolean {
  return isHttpsOrLoopback(request.headers, request.url);
}

/**
 * For the owner's POSTs (the sign-in, Stop): refuses one made by another site's page, which the browser sends with the
 * owner's Access session (and, from a sibling subdomain, the SameSite=Strict cookie). Browsers say where a request
 * comes from in Sec-Fetch-Site; scripts (curl, bearer tokens) send none and pass.
 */
export function refuseCrossSite(request: Request): void {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") throw new AppError("forbidden:origin", "Requests from other sites are refused here.");
}

/**
 * For the top of every usage data route: throws a 404 AppError unless the request is the owner's, the same whether
 * owner access is configured or not, so nobody else learns that there is anything here. Returns how it was proved.
 */
export async function requireOwner(request: Request): Promise<OwnerProof> {
  const { via } = await ownerAccess(request);
  if (!via) throw notFound();
  return via;
}

/**
 * The page's view (a server component, /usage): an Access token or the owner cookie, from the request being rendered.
 * Pages take no bearer tokens (browsers do not send them). Once per request.
 */
export const ownerForPage = cache(async (): Promise<OwnerAccess> => {
  const headers = await pageHeaders();
  return evaluate(await readEnv(), headers, isHttps(headers));
});

/** `bearerIp`: present when the request may prove itself with a bearer token (counted against the attempt limit). */
async function evaluate(env: AppEnv, headers: Pick<Headers, "get">, secure: boolean, bearerIp?: string | null): Promise<OwnerAccess> {
  const tokenSignIn = env.ADMIN_TOKEN !== undefined;
  const configured = tokenSignIn || env.ACCESS_AUD !== undefined;
  const via = configured ? await proof(env, headers, secure, bearerIp) : null;
  return { configured, tokenSignIn, owner: via !== null, via };
}

async function proof(env: AppEnv, headers: Pick<Headers, "get">, secure: boolean, bearerIp?: string | null): Promise<OwnerProof | null> {
  if (await validAccessToken(env, headers.get(ACCESS_JWT_HEADER))) return "access";
  if (!env.ADMIN_TOKEN) return null;
  if (await validOwnerCookie(env, headers.get("cookie"), secure)) return "cookie";
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "")?.[1];
  if (bearer === undefined || bearerIp === undefined) return null;
  // Before the comparison: past the limit, a right guess would not be told from a wrong one.
  await enforceOwnerAttemptLimit(bearerIp);
  return (await sameSecret(bearer, env.ADMIN_TOKEN)) ? "bearer" : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Cloudflare Access

/** One key set per URL and isolate: jose caches the keys (10 minutes) and fetches again for a key id it lacks. */
const keySets = new Map<string, RemoteJWKSet>();

function accessKeys(url: string): RemoteJWKSet {
  let keys = keySets.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    keySets.set(url, keys);
  }
  return keys;
}

async function validAccessToken(env: AppEnv, token: string | null): Promise<boolean> {
  if (!token || !env.ACCESS_TEAM_DOMAIN || !env.ACCESS_AUD) return false;
  const issuer = `https://${env.ACCESS_TEAM_DOMAIN}`;
  const certs = env.ACCESS_CERTS_URL ?? `${issuer}/cdn-cgi/access/certs`;
  try {
    // Access signs with RS256 only; naming it refuses every other algorithm (and jose never accepts "none").
    await jwtVerify(token, accessKeys(certs), { algorithms: ["RS256"], audience: env.ACCESS_AUD, issuer, requiredClaims: ["exp"] });
    return true;
  } catch (error) {
    // A bad token is the caller's problem; keys that cannot be read are the deployer's, so they are logged.
    const keysUnreadable =
      !(error instanceof errors.JOSEError) || [errors.JOSEError.code, errors.JWKSTimeout.code, errors.JWKSInvalid.code].includes(error.code);
    if (keysUnreadable) console.error(`edge-chat: could not read Cloudflare Access's keys from ${certs}:`, error);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ADMIN_TOKEN: the sign-in, the cookie, bearer tokens

/** Equal strings in constant time: both are hashed first, so the time taken says nothing about the token or its length. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index] ^ b[index];
  return difference === 0;
}

/**
 * The owner cookie's signature covers its expiry and ADMIN_TOKEN itself, so changing ADMIN_TOKEN (or SESSION_SECRET)
 * signs every owner out.
 */
const cookieData = (expires: string, adminToken: string) => `${COOKIE_CONTEXT}${expires}:${adminToken}`;

/** The Set-Cookie value of a sign-in at `now`: HttpOnly, SameSite=Strict, Secure and `__Host-` over https. */
export async function ownerSessionCookie(
  { adminToken, secret, secure }: { adminToken: string; secret: string; secure: boolean },
  now = new Date(),
): Promise<string> {
  const expires = String(seconds(now) + OWNER_SESSION_SECONDS);
  const signature = await sign(secret, cookieData(expires, adminToken));
  return cookieHeader(secure, `${expires}.${signature}`, OWNER_SESSION_SECONDS);
}

function cookieHeader(secure: boolean, value: string, maxAge: number): string {
  return [
    `${secure ? SECURE_OWNER_COOKIE : OWNER_COOKIE}=${value}`,
    "Path=/",
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

async function validOwnerCookie(env: AppEnv, header: string | null, secure: boolean, now = new Date()): Promise<boolean> {
  // No SESSION_SECRET: no cookie could have been signed (the sign-in says why).
  if (!env.ADMIN_TOKEN || !env.SESSION_SECRET) return false;
  for (const value of cookieValues(header, secure ? SECURE_OWNER_COOKIE : OWNER_COOKIE)) {
    const match = COOKIE_VALUE.exec(value);
    if (!match || Number(match[1]) <= seconds(now)) continue;
    if (await verifySignature(env.SESSION_SECRET, cookieData(match[1], env.ADMIN_TOKEN), match[2])) return true;
  }
  return false;
}

const signInBody = z.object({
  token: z.string({ error: "Send the password as token." }).min(1, "Enter the password.").max(1_000, "That password is too long."),
});

/** `{ token }` as JSON, or as a form (`token=…`, e.g. `curl -d token=…`). */
async function readSignIn(request: Request): Promise<unknown> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(await readBodyText(request, SIGN_IN_MAX_BYTES)));
  }
  return readJsonBody(request, SIGN_IN_MAX_BYTES, "the password");
}

/**
 * POST /api/usage/session `{ token }`: ADMIN_TOKEN for the owner cookie. 404 without ADMIN_TOKEN (there is no form to
 * sign in with), 403 from another site or over plain http (but on this machine), 429 past the attempts per IP, 401 for a wrong password.
 */
export async function signIn(request: Request): Promise<Response> {
  const env = await readEnv();
  if (!env.ADMIN_TOKEN) throw notFound();
  // Before the attempt limit: another site's page could otherwise use up the owner's tries.
  refuseCrossSite(request);
  if (!passwordAllowed(request)) throw new AppError("forbidden:owner", "Sign in over https.");
  const secret = sessionSecret(env);
  await enforceOwnerAttemptLimit(clientIp(request));
  const parsed = signInBody.safeParse(await readSignIn(request));
  if (!parsed.success) throw new AppError("bad_request:owner", parsed.error.issues[0].message);
  if (!(await sameSecret(parsed.data.token, env.ADMIN_TOKEN))) {
    throw new AppError("unauthorized:owner", "That password is not right.");
  }
  const cookie = await ownerSessionCookie({ adminToken: env.ADMIN_TOKEN, secret, secure: isHttps(request.headers, request.url) });
  return Response.json({ owner: true }, { headers: { "cache-control": "no-store", "set-cookie": cookie } });
}

/** DELETE /api/usage/session: clears the owner cookie (204), whoever asks: it holds nothing but the sign-in. */
export function signOut(request: Request): Response {
  const cleared = cookieHeader(isHttps(request.headers, request.url), "", 0);
  return new Response(null, { status: 204, headers: { "cache-control": "no-store", "set-cookie": cleared } });
}

/** GET /api/usage/session: `{ owner: true, via }` for the owner, 404 for anyone else. */
export async function ownerSession(request: Request): Promise<Response> {
  const body: OwnerSessionResponse = { owner: true, via: await requireOwner(request) };
  return Response.json(body, { headers: { "cache-control": "no-store" } });
}

function notFound(): AppError {
  return new AppError("not_found:usage", "There is nothing here.");
}
