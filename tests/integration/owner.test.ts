/**
 * Owner access to usage data (lib/security/owner.ts) through the real route (app/api/usage/session), the real local
 * rate limiter binding and jose. Cloudflare Access tokens are signed here with a locally generated RSA key whose public
 * half a local HTTP server publishes as Access publishes its team's keys (ACCESS_CERTS_URL points there).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DELETE, GET, POST } from "@/app/api/usage/session/route";
import { envSchema, readEnv } from "@/lib/env";
import { ACCESS_JWT_HEADER, OWNER_COOKIE, OWNER_SESSION_SECONDS, ownerAccess, ownerSessionCookie, requireOwner } from "@/lib/security/owner";

const TEAM = "edge-chat-test.cloudflareaccess.com";
const ISSUER = `https://${TEAM}`;
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const KID = "test-key-1";
const ADMIN_TOKEN = "owner-password-for-tests-0123";
const OWNER_VARS = ["ADMIN_TOKEN", "ACCESS_TEAM_DOMAIN", "ACCESS_AUD", "ACCESS_CERTS_URL"] as const;

let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
let otherKeys: { publicKey: CryptoKey; privateKey: CryptoKey };
let jwks: Server;
let certsUrl: string;
let certsRequests = 0;

beforeAll(async () => {
  keys = await generateKeyPair("RS256", { extractable: true });
  otherKeys = await generateKeyPair("RS256");
  // As Access's certs endpoint: the current key among others, in JWK form.
  const published = { keys: [{ ...(await exportJWK(keys.publicKey)), kid: KID, alg: "RS256", use: "sig" }] };
  jwks = createServer((_, response) => {
    certsRequests++;
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(published));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  certsUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/cdn-cgi/access/certs`;
});

afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(OWNER_VARS.map((name) => [name, process.env[name]]));
  for (const name of OWNER_VARS) delete process.env[name];
});
afterEach(() => {
  for (const name of OWNER_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function configure(vars: Partial<Record<(typeof OWNER_VARS)[number], string>>) {
  Object.assign(process.env, vars);
}
const withAccess = () => configure({ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, ACCESS_CERTS_URL: certsUrl });
const withToken = () => configure({ ADMIN_TOKEN });

/** A client of its own address, so the attempt limit of one test does not reach another's. */
function randomIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `198.51.${byte()}.${byte()}`;
}

function request(headers: Record<string, string> = {}, { url = "http://127.0.0.1:3000/api/usage/session", method = "GET", body }: { url?: string; method?: string; body?: string } = {}) {
  return new Request(url, { method, body, headers: { "cf-connecting-ip": randomIp(), ...headers } });
}

function signInRequest(token: unknown, headers: Record<string, string> = {}, url?: string) {
  return request({ "content-type": "application/json", ...headers }, { url, method: "POST", body: JSON.stringify({ token }) });
}

type TokenOptions = { issuer?: string; audience?: string | string[]; expires?: number | null; key?: CryptoKey; kid?: string; claims?: JWTPayload };

/** An Access application token as Access makes them (RS256, kid, aud as a list), with what the test changes. */
async function accessToken({ issuer = ISSUER, audience = [AUD], expires = Math.floor(Date.now() / 1000) + 300, key, kid = KID, claims = {} }: TokenOptions = {}) {
  const jwt = new SignJWT({ email: "owner@example.com", type: "app", ...claims })
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt();
  if (expires !== null) jwt.setExpirationTime(expires);
  return jwt.sign(key ?? keys.privateKey);
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function viaOf(headers: Record<string, string>) {
  return (await ownerAccess(request(headers))).via;
}

async function expectNotFound(response: Response) {
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found:usage");
}

/** The `name=value` of a Set-Cookie header. */
function cookiePair(response: Response): string {
  const setCookie = response.headers.get("set-cookie");
  if (!setCookie) throw new Error("the response set no cookie");
  return setCookie.split(";")[0];
}

describe("Cloudflare Access tokens", () => {
  beforeEach(withAccess);

  it("a token signed by the team's key, for this application, from the team, unexpired, is the owner's", async () => {
    expect(await ownerAccess(request({ [ACCESS_JWT_HEADER]: await accessToken() }))).toEqual({
      configured: true,
      tokenSignIn: false,
      owner: true,
      via: "access",
    });
    // The data endpoints take it too; a plain `aud` string (not a list) is as good.
    const response = await GET(request({ [ACCESS_JWT_HEADER]: await accessToken({ audience: AUD }) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: true, via: "access" });
    expect(certsRequests).toBeGreaterThan(0);
  });

  it("refuses another application's audience, another issuer, an expired token and one without expiry", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const options of [
      { audience: ["0".repeat(64)] },
      { issuer: "https://other-team.cloudflareaccess.com" },
      { issuer: `http://${TEAM}` },
      { expires: now - 60 },
      { expires: null },
    ] satisfies TokenOptions[]) {
      const token = await accessToken(options);
      expect(await viaOf({ [ACCESS_JWT_HEADER]: token }), JSON.stringify(options)).toBeNull();
      await expectNotFound(await GET(request({ [ACCESS_JWT_HEADER]: token })));
    }
  });

  it("refuses a token signed by another key, under the team key's id or another, and an unsigned or HMAC one", async () => {
    const forged = await accessToken({ key: otherKeys.privateKey });
    const unknownKey = await accessToken({ key: otherKeys.privateKey, kid: "attacker-key" });
    const claims = { iss: ISSUER, aud: [AUD], exp: Math.floor(Date.now() / 1000) + 300, email: "owner@example.com" };
    const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: KID }).sign(new TextEncoder().encode(AUD));
    const tampered = (await accessToken()).split(".");
    tampered[1] = base64url({ ...claims, email: "attacker@example.com" });
    for (const token of [forged, unknownKey, unsigned, hmac, tampered.join("."), "not-a-jwt", ""]) {
      expect(await viaOf({ [ACCESS_JWT_HEADER]: token }), token).toBeNull();
    }
  });

  it("trusts the header only: the same token in the CF_Authorization cookie proves nothing", async () => {
    expect(await viaOf({ cookie: `CF_Authorization=${await accessToken()}` })).toBeNull();
  });

  it("a token is worth nothing while Access is not configured", async () => {
    delete process.env.ACCESS_TEAM_DOMAIN;
    delete process.env.ACCESS_AUD;
    withToken();
    expect(await viaOf({ [ACCESS_JWT_HEADER]: await accessToken() })).toBeNull();
  });

  it("keys that cannot be read refuse the token and are logged for the deployer", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    configure({ ACCESS_CERTS_URL: `http://127.0.0.1:${port}/cdn-cgi/access/certs` });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await viaOf({ [ACCESS_JWT_HEADER]: await accessToken() })).toBeNull();
      expect(String(logged.mock.calls[0]?.[0])).toContain("could not read Cloudflare Access's keys");
    } finally {
      logged.mockRestore();
    }
  });
});

describe("ADMIN_TOKEN", () => {
  beforeEach(withToken);

  it("as a bearer token: the right one is the owner's, a wrong one gets the same 404 as nobody", async () => {
    const response = await GET(request({ authorization: `Bearer ${ADMIN_TOKEN}` }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: true, via: "bearer" });
    for (const authorization of [`Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN]) {
      await expectNotFound(await GET(request({ authorization })));
    }
    await expectNotFound(await GET(request()));
  });

  it("signing in sets an HttpOnly, SameSite=Strict cookie for a week, which then proves the owner", async () => {
    const response = await POST(signInRequest(ADMIN_TOKEN));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ owner: true });
    const attributes = response.headers.get("set-cookie")!.split("; ");
    expect(attributes[0]).toMatch(new RegExp(`^${OWNER_COOKIE}=\\d+\\.[A-Za-z0-9_-]{43}$`));
    expect(attributes.slice(1)).toEqual(["Path=/", `Max-Age=${OWNER_SESSION_SECONDS}`, "HttpOnly", "SameSite=Strict"]);
    const signedIn = await GET(request({ cookie: `other=1; ${cookiePair(response)}` }));
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toEqual({ owner: true, via: "cookie" });
  });

  it("over https the cookie is Secure and __Host- prefixed, and only that one is read there", async () => {
    const secureUrl = "https://chat.example.com/api/usage/session";
    const response = await POST(signInRequest(ADMIN_TOKEN, {}, secureUrl));
    expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^__Host-${OWNER_COOKIE}=.*; Secure$`));
    expect((await GET(request({ cookie: cookiePair(response) }, { url: secureUrl }))).status).toBe(200);
    const plain = cookiePair(response).replace(/^__Host-/, "");
    await expectNotFound(await GET(request({ cookie: plain }, { url: secureUrl })));
  });

  it("takes the password over https or on this machine only: plain http elsewhere is a 403 sign-in, a bearer token proves nothing", async () => {
    const plain = await POST(signInRequest(ADMIN_TOKEN, {}, "http://chat.example.com/api/usage/session"));
    expect(plain.status).toBe(403);
    expect(plain.headers.get("set-cookie")).toBeNull();
    expect(await plain.json()).toEqual({ error: { code: "forbidden:owner", message: "Sign in over https." } });
    await expectNotFound(await GET(request({ authorization: `Bearer ${ADMIN_TOKEN}` }, { url: "http://chat.example.com/api/usage/session" })));
    // In the worker the scheme is the worker's header and the host the Host header (the URL inside Next says localhost).
    const behindWorker = (scheme: string) => ({ host: "chat.example.com", "x-edge-chat-scheme": scheme });
    const localUrl = "http://localhost:3000/api/usage/session";
    expect((await POST(signInRequest(ADMIN_TOKEN, behindWorker("http"), localUrl))).status).toBe(403);
    await expectNotFound(await GET(request({ ...behindWorker("http"), authorization: `Bearer ${ADMIN_TOKEN}` }, { url: localUrl })));
    expect((await POST(signInRequest(ADMIN_TOKEN, behindWorker("https"), localUrl))).status).toBe(200);
    expect((await GET(request({ ...behindWorker("https"), authorization: `Bearer ${ADMIN_TOKEN}` }, { url: localUrl }))).status).toBe(200);
    for (const host of ["localhost:3000", "127.0.0.1:8787", "[::1]:3000"]) {
      expect((await POST(signInRequest(ADMIN_TOKEN, {}, `http://${host}/api/usage/session`))).status, host).toBe(200);
    }
  });

  it("refuses a sign-in another site's page sends (403, not counted as a try); same-origin and scripts (no header) pass", async () => {
    const ip = { "cf-connecting-ip": randomIp() };
    for (const site of ["cross-site", "same-site", "none"]) {
      for (let i = 0; i < 4; i++) {
        const refused = await POST(signInRequest(ADMIN_TOKEN, { ...ip, "sec-fetch-site": site }));
        expect(refused.status, site).toBe(403);
        expect(refused.headers.get("set-cookie")).toBeNull();
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden:origin");
      }
    }
    expect((await POST(signInRequest(ADMIN_TOKEN, { ...ip, "sec-fetch-site": "same-origin" }))).status).toBe(200);
    expect((await POST(signInRequest(ADMIN_TOKEN, ip))).status).toBe(200);
  });

  it("takes the password as a form too", async () => {
    const response = await POST(
      request({ "content-type": "application/x-www-form-urlencoded" }, { method: "POST", body: new URLSearchParams({ token: ADMIN_TOKEN }).toString() }),
    );
    expect(response.status).toBe(200);
  });

  it("a wrong password is a 401 that says so; a malformed sign-in a 400 or 415", async () => {
    const wrong = await POST(signInRequest("not-the-password-at-all"));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.json()).toEqual({ error: { code: "unauthorized:owner", message: "That password is not right." } });
    expect((await POST(signInRequest(""))).status).toBe(400);
    expect((await POST(signInRequest(42))).status).toBe(400);
    expect((await POST(request({ "content-type": "text/plain" }, { method: "POST", body: ADMIN_TOKEN }))).status).toBe(415);
  });

  it("refuses forged, expired and otherwise-signed cookies", async () => {
    const secret = process.env.SESSION_SECRET!;
    const make = (options: { adminToken?: string; secret?: string }, now?: Date) =>
      ownerSessionCookie({ adminToken: ADMIN_TOKEN, secret, secure: false, ...options }, now).then((value) => value.split(";")[0]);
    const valid = await make({});
    expect(await viaOf({ cookie: valid })).toBe("cookie");
    const [name, value] = valid.split("=");
    const [expires, signature] = value.split(".");
    const forged = [
      `${name}=${Number(expires) + 3600}.${signature}`, // a later expiry under the same signature
      `${name}=${expires}.${signature.slice(0, -2)}AA`,
      `${name}=${expires}.${"A".repeat(43)}`,
      `${name}=${expires}`,
      await make({}, new Date(Date.now() - OWNER_SESSION_SECONDS * 1000 - 1000)), // expired
      await make({ secret: "another-session-secret" }),
      await make({ adminToken: "the-previous-admin-token" }), // signed before ADMIN_TOKEN changed
    ];
    for (const cookie of forged) {
      expect(await viaOf({ cookie }), cookie).toBeNull();
      await expectNotFound(await GET(request({ cookie })));
    }
  });

  it("signing out clears the cookie", async () => {
    const response = await DELETE(request({}, { method: "DELETE" }));
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toBe(`${OWNER_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
  });

  it("10 tries of the password a minute per address (sign-ins and bearer tokens alike), then 429 even for the right one", async () => {
    const secondsIntoMinute = new Date().getUTCSeconds();
    if (secondsIntoMinute > 50) await new Promise((resolve) => setTimeout(resolve, (61 - secondsIntoMinute) * 1000));
    const ip = { "cf-connecting-ip": randomIp() };
    for (let i = 0; i < 5; i++) expect((await POST(signInRequest(`wrong-guess-${i}`, ip))).status).toBe(401);
    for (let i = 0; i < 5; i++) await expectNotFound(await GET(request({ ...ip, authorization: `Bearer wrong-guess-${i}` })));
    const refused = await POST(signInRequest(ADMIN_TOKEN, ip));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limit:owner");
    expect((await GET(request({ ...ip, authorization: `Bearer ${ADMIN_TOKEN}` }))).status).toBe(429);
    // Another address is not affected.
    expect((await POST(signInRequest(ADMIN_TOKEN))).status).toBe(200);
  }, 30_000);
});

describe("nothing configured", () => {
  it("nobody is the owner: 404 with any token, cookie or Access token, and no sign-in", async () => {
    const cookie = (await ownerSessionCookie({ adminToken: ADMIN_TOKEN, secret: process.env.SESSION_SECRET!, secure: false })).split(";")[0];
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, cookie, [ACCESS_JWT_HEADER]: await accessToken() };
    expect(await ownerAccess(request(headers))).toEqual({ configured: false, tokenSignIn: false, owner: false, via: null });
    await expect(requireOwner(request(headers))).rejects.toMatchObject({ code: "not_found:usage", status: 404 });
    await expectNotFound(await GET(request(headers)));
    await expectNotFound(await POST(signInRequest(ADMIN_TOKEN)));
  });

  it("with Access alone there is no sign-in form to post to", async () => {
    withAccess();
    await expectNotFound(await POST(signInRequest(ADMIN_TOKEN)));
  });
});

describe("configuration", () => {
  it("an ADMIN_TOKEN under 16 characters is ignored and logged once: the password sign-in is off, the app stays up", async () => {
    configure({ ADMIN_TOKEN: "short-secret" });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect((await readEnv()).ADMIN_TOKEN).toBeUndefined();
      expect(await ownerAccess(request({ authorization: "Bearer short-secret" }))).toEqual({ configured: false, tokenSignIn: false, owner: false, via: null });
      await expectNotFound(await POST(signInRequest("short-secret")));
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0][0])).toMatch(/ADMIN_TOKEN needs at least 16 characters.*sign-in is off/);
      expect(String(logged.mock.calls[0][0])).not.toContain("short-secret");
    } finally {
      logged.mockRestore();
    }
  });

  it("Access needs both its variables; the team domain may be given as a URL", async () => {
    expect(envSchema.safeParse({ ACCESS_TEAM_DOMAIN: TEAM }).error?.issues[0].path).toEqual(["ACCESS_AUD"]);
    expect(envSchema.safeParse({ ACCESS_AUD: AUD }).error?.issues[0].path).toEqual(["ACCESS_TEAM_DOMAIN"]);
    expect(envSchema.safeParse({ ACCESS_TEAM_DOMAIN: "not a host", ACCESS_AUD: AUD }).success).toBe(false);
    expect(envSchema.parse({ ACCESS_TEAM_DOMAIN: "https://Edge-Chat-Test.cloudflareaccess.com/", ACCESS_AUD: AUD }).ACCESS_TEAM_DOMAIN).toBe(TEAM);
  });
});
