import { afterEach, describe, expect, it, vi } from "vitest";
import {
  EMBED_TOKEN_HEADER,
  embedToken,
  embedVisitorId,
  identifyVisitor,
  sessionSecret,
  VISITOR_COOKIE,
} from "@/lib/chat/identity";

const SECRET = "test-secret-0123456789abcdef";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function request(cookie?: string, url = "http://localhost:3000/api/chat") {
  return new Request(url, { method: "POST", headers: cookie === undefined ? {} : { cookie } });
}

/** The `name=value` part of a Set-Cookie header value. */
function cookiePair(setCookie: string | undefined): string {
  if (!setCookie) throw new Error("expected a Set-Cookie value");
  return setCookie.split(";")[0];
}

async function newVisitor(secret = SECRET) {
  const visitor = await identifyVisitor(request(), secret);
  return { ...visitor, cookie: cookiePair(visitor.setCookie) };
}

describe("identifyVisitor", () => {
  it("gives a new visitor a random id and an HttpOnly, SameSite=Lax, one-year cookie for the whole site", async () => {
    const { visitorId, setCookie, cookie } = await newVisitor();
    expect(visitorId).toMatch(UUID);
    expect(cookie).toMatch(new RegExp(`^${VISITOR_COOKIE}=${visitorId}\\.[A-Za-z0-9_-]{43}$`));
    const attributes = setCookie!.split("; ").slice(1);
    expect(attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${365 * 24 * 60 * 60}`]));
    expect(attributes).not.toContain("Secure");
    expect((await newVisitor()).visitorId).not.toBe(visitorId);
  });

  it("marks the cookie Secure only when the request is https", async () => {
    const secure = await identifyVisitor(request(undefined, "https://chat.example.com/api/chat"), SECRET);
    expect(secure.setCookie!.split("; ")).toContain("Secure");
    const plain = await identifyVisitor(request(undefined, "http://127.0.0.1:3211/api/chat"), SECRET);
    expect(plain.setCookie!.split("; ")).not.toContain("Secure");
  });

  it("maps its own cookie back to the same id, without setting a new cookie, among other cookies", async () => {
    const { visitorId, cookie } = await newVisitor();
    expect(await identifyVisitor(request(cookie), SECRET)).toEqual({ visitorId });
    expect(await identifyVisitor(request(`theme=dark; ${cookie}; other=1`), SECRET)).toEqual({ visitorId });
    // A stale duplicate first (e.g. from another path) does not hide the valid one.
    expect(await identifyVisitor(request(`${VISITOR_COOKIE}=junk; ${cookie}`), SECRET)).toEqual({ visitorId });
  });

  it("gives a tampered, forged, foreign or malformed cookie a new identity, never an error", async () => {
    const { visitorId, cookie } = await newVisitor();
    const value = cookie.slice(VISITOR_COOKIE.length + 1);
    const [id, signature] = value.split(".");
    const otherId = crypto.randomUUID();
    const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    const candidates = [
      `${otherId}.${signature}`, // someone else's id with this signature
      `${id}.${flipped}`, // signature changed
      `${id.toUpperCase()}.${signature}`,
      `${id}.${signature}x`,
      `${id}.`,
      `${id}`,
      `.${signature}`,
      "",
      "garbage",
      "%%%.***",
      `${id}.${"A".repeat(43)}`,
      `${id}.${signature}.${signature}`,
    ];
    for (const candidate of candidates) {
      const result = await identifyVisitor(request(`${VISITOR_COOKIE}=${candidate}`), SECRET);
      expect(result.visitorId, candidate).not.toBe(visitorId);
      expect(result.visitorId, candidate).not.toBe(otherId);
      expect(result.visitorId).toMatch(UUID);
      expect(result.setCookie, candidate).toBeDefined();
    }
    // Signed with another secret (another deployment, or a rotated secret).
    const foreign = await newVisitor("another-secret");
    const result = await identifyVisitor(request(foreign.cookie), SECRET);
    expect(result.visitorId).not.toBe(foreign.visitorId);
    expect(result.setCookie).toBeDefined();
    // A malformed Cookie header.
    expect((await identifyVisitor(request(";;=;==; ;"), SECRET)).setCookie).toBeDefined();
  });
});

describe("sessionSecret", () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns SESSION_SECRET when set", () => {
    expect(sessionSecret({ SESSION_SECRET: "configured" })).toBe("configured");
  });

  it("falls back to a working secret with one loud error per isolate when it is missing", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const fallback = sessionSecret({});
    expect(fallback).toBeTruthy();
    expect(sessionSecret({ SESSION_SECRET: "  " })).toBe(fallback);
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toMatch(/SESSION_SECRET.*wrangler secret put SESSION_SECRET/s);
    // Still works: the fallback signs and verifies cookies.
    const { visitorId, setCookie } = await identifyVisitor(request(), fallback);
    expect(await identifyVisitor(request(cookiePair(setCookie)), fallback)).toEqual({ visitorId });
  });
});

describe("embed tokens", () => {
  function tokenRequest(token: string) {
    return new Request("http://localhost:3000/api/chat", { method: "POST", headers: { [EMBED_TOKEN_HEADER]: token } });
  }

  it("identifies an embedded visitor by the token header, without a cookie", async () => {
    const token = await embedToken("0f8c7a4e-5b6d-4e3f-9a1b-2c3d4e5f6a7b", SECRET);
    const visitor = await identifyVisitor(tokenRequest(token), SECRET);
    expect(visitor).toEqual({ visitorId: "0f8c7a4e-5b6d-4e3f-9a1b-2c3d4e5f6a7b", embedded: true });
    expect(await embedVisitorId(token, SECRET)).toBe(visitor.visitorId);
  });

  it("refuses a forged, foreign or cookie-signed token with 401", async () => {
    const { cookie, visitorId } = await newVisitor();
    const cookieValue = cookie.slice(cookie.indexOf("=") + 1);
    const other = await embedToken(visitorId, "another-secret-0123456789");
    for (const token of [cookieValue, other, "", "nonsense", `${visitorId}.${"A".repeat(43)}`]) {
      await expect(identifyVisitor(tokenRequest(token), SECRET)).rejects.toMatchObject({ code: "unauthorized:embed", status: 401 });
    }
  });
});
