import { afterEach, describe, expect, it, vi } from "vitest";
import {
  embedToken,
  EMBED_TOKEN_TTL_SECONDS,
  identifyVisitor,
  readEmbedToken,
  sessionSecret,
  VISITOR_COOKIE,
} from "@/lib/chat/identity";
import { EMBED_TOKEN_HEADER } from "@/lib/embed/origins";
import { SCHEME_HEADER } from "@/lib/security/scheme";

const SECRET = "test-secret-0123456789abcdef";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function request(cookie?: string, url = "http://localhost:3000/api/chat", headers: Record<string, string> = {}) {
  return new Request(url, { method: "POST", headers: cookie === undefined ? headers : { cookie, ...headers } });
}

/** The `name=value` part of a Set-Cookie header value. */
function cookiePair(setCookie: string | undefined): string {
  if (!setCookie) throw new Error("expected a Set-Cookie value");
  return setCookie.split(";")[0];
}

/** Token version 0 for everyone, or what `versions` says. */
const options = (secret = SECRET, versions: Record<string, number> = {}) => ({
  secret,
  tokenVersion: async (id: string) => versions[id] ?? 0,
});

async function identify(req: Request, secret = SECRET) {
  return identifyVisitor(req, options(secret));
}

async function newVisitor(secret = SECRET) {
  const visitor = await identify(request(), secret);
  return { ...visitor, cookie: cookiePair(visitor.setCookie) };
}

describe("identifyVisitor", () => {
  it("gives a new visitor a random id and an HttpOnly, SameSite=Lax, one-year cookie for the whole site", async () => {
    const { visitorId, setCookie, cookie, isNew } = await newVisitor();
    expect(isNew).toBe(true);
    expect(visitorId).toMatch(UUID);
    expect(cookie).toMatch(new RegExp(`^${VISITOR_COOKIE}=${visitorId}\\.[A-Za-z0-9_-]{43}$`));
    const attributes = setCookie!.split("; ").slice(1);
    expect(attributes).toEqual(expect.arrayContaining(["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${365 * 24 * 60 * 60}`]));
    expect(attributes).not.toContain("Secure");
    expect((await newVisitor()).visitorId).not.toBe(visitorId);
  });

  it("over https the cookie is Secure and __Host- prefixed, and only such a cookie is read there", async () => {
    const secure = await identify(request(undefined, "https://chat.example.com/api/chat"));
    expect(secure.setCookie!.split("; ")).toContain("Secure");
    expect(secure.setCookie).toMatch(new RegExp(`^__Host-${VISITOR_COOKIE}=`));
    expect(secure.setCookie).not.toMatch(/Domain=/i);
    const plain = await identify(request(undefined, "http://127.0.0.1:3211/api/chat"));
    expect(plain.setCookie!.split("; ")).not.toContain("Secure");
    expect(plain.setCookie).toMatch(new RegExp(`^${VISITOR_COOKIE}=`));

    // The worker's scheme header wins over Next's request URL (which may say http behind the edge).
    const behindEdge = await identify(request(undefined, "http://localhost/api/chat", { [SCHEME_HEADER]: "https" }));
    expect(behindEdge.setCookie).toMatch(/^__Host-/);
    const back = await identify(request(cookiePair(behindEdge.setCookie), "http://localhost/api/chat", { [SCHEME_HEADER]: "https" }));
    expect(back).toMatchObject({ visitorId: behindEdge.visitorId, isNew: false });
    // A plain-named cookie (planted by a sibling subdomain or over http) proves nothing over https.
    const planted = `${VISITOR_COOKIE}=${cookiePair(behindEdge.setCookie).split("=")[1]}`;
    const fresh = await identify(request(planted, "https://chat.example.com/api/chat"));
    expect(fresh.isNew).toBe(true);
    expect(fresh.visitorId).not.toBe(behindEdge.visitorId);
  });

  it("maps its own cookie back to the same id among other cookies, and renews it so a returning visitor keeps it", async () => {
    const { visitorId, cookie } = await newVisitor();
    for (const header of [cookie, `theme=dark; ${cookie}; other=1`, `${VISITOR_COOKIE}=junk; ${cookie}`]) {
      const visitor = await identify(request(header));
      expect(visitor).toMatchObject({ visitorId, isNew: false, embedded: false });
      // The same cookie again, with a fresh year.
      expect(cookiePair(visitor.setCookie)).toBe(cookie);
      expect(visitor.setCookie).toContain(`Max-Age=${365 * 24 * 60 * 60}`);
    }
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
      const result = await identify(request(`${VISITOR_COOKIE}=${candidate}`));
      expect(result.visitorId, candidate).not.toBe(visitorId);
      expect(result.visitorId, candidate).not.toBe(otherId);
      expect(result.visitorId).toMatch(UUID);
      expect(result.isNew, candidate).toBe(true);
    }
    // Signed with another secret (another deployment, or a rotated secret).
    const foreign = await newVisitor("another-secret");
    const result = await identify(request(foreign.cookie));
    expect(result.visitorId).not.toBe(foreign.visitorId);
    expect(result.isNew).toBe(true);
    // A malformed Cookie header.
    expect((await identify(request(";;=;==; ;"))).isNew).toBe(true);
  });
});

describe("sessionSecret", () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns SESSION_SECRET when set", () => {
    expect(sessionSecret({ SESSION_SECRET: "configured" })).toBe("configured");
  });

  it("without it, refuses with a clear error (logged once per isolate): no built-in key to forge with", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const env of [{}, { SESSION_SECRET: "  " }]) {
      expect(() => sessionSecret(env)).toThrow(expect.objectContaining({ code: "config:secret", status: 500 }));
    }
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0][0])).toMatch(/SESSION_SECRET.*wrangler secret put SESSION_SECRET/s);
  });
});

describe("embed tokens", () => {
  const ID = "0f8c7a4e-5b6d-4e3f-9a1b-2c3d4e5f6a7b";
  function tokenRequest(token: string) {
    return new Request("http://localhost:3000/api/chat", { method: "POST", headers: { [EMBED_TOKEN_HEADER]: token } });
  }

  it("identifies an embedded visitor by the token header, without a cookie", async () => {
    const token = await embedToken(ID, 0, SECRET);
    const visitor = await identify(tokenRequest(token));
    expect(visitor).toEqual({ visitorId: ID, embedded: true, isNew: false });
    expect(await readEmbedToken(token, SECRET)).toMatchObject({ visitorId: ID, version: 0 });
  });

  it("refuses a forged, foreign, cookie-signed, tampered or old-format token with 401", async () => {
    const { cookie, visitorId } = await newVisitor();
    const cookieValue = cookie.slice(cookie.indexOf("=") + 1);
    const good = await embedToken(visitorId, 0, SECRET);
    const other = await embedToken(visitorId, 0, "another-secret-0123456789");
    const [id, version, issued, signature] = good.split(".");
    const candidates = [
      cookieValue,
      other,
      "",
      "nonsense",
      `${visitorId}.${"A".repeat(43)}`, // the old, never-expiring format
      `${id}.${Number(version) + 1}.${issued}.${signature}`, // another version, same signature
      `${id}.${version}.${Number(issued) + 86_400}.${signature}`, // a later issue time, same signature
    ];
    for (const token of candidates) {
      await expect(identify(tokenRequest(token)), token).rejects.toMatchObject({ code: "unauthorized:embed", status: 401 });
    }
  });

  it("expires 30 days after it was issued", async () => {
    const issued = new Date("2026-01-01T00:00:00Z");
    const token = await embedToken(ID, 0, SECRET, issued);
    const at = (seconds: number) => new Date(issued.getTime() + seconds * 1000);
    expect(await readEmbedToken(token, SECRET, at(EMBED_TOKEN_TTL_SECONDS - 1))).toBeDefined();
    expect(await readEmbedToken(token, SECRET, at(EMBED_TOKEN_TTL_SECONDS + 1))).toBeUndefined();
    // Not from the future either (beyond a few minutes of clock difference).
    expect(await readEmbedToken(token, SECRET, at(-3_600))).toBeUndefined();
    await expect(identify(tokenRequest(token))).rejects.toMatchObject({ code: "unauthorized:embed" });
  });

  it("is revoked when the visitor's token version moves on", async () => {
    const token = await embedToken(ID, 0, SECRET);
    await expect(identifyVisitor(tokenRequest(token), options(SECRET, { [ID]: 1 }))).rejects.toMatchObject({ status: 401 });
    const renewed = await embedToken(ID, 1, SECRET);
    expect(await identifyVisitor(tokenRequest(renewed), options(SECRET, { [ID]: 1 }))).toMatchObject({ visitorId: ID });
  });
});
