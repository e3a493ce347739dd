import { describe, expect, it } from "vitest";
import { getScriptNonceFromHeader } from "next/dist/server/app-render/get-script-nonce-from-header";
import { contentSecurityPolicy, createNonce, pageSecurityHeaders, withNonce } from "@/lib/security/csp";
import { policyDirectives as directives } from "../support/csp";

describe("content security policy", () => {
  it("makes a fresh nonce each time, in the form Next accepts", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(getScriptNonceFromHeader(`script-src 'nonce-${nonce}'`)).toBe(nonce);
  });

  it("allows scripts only with the nonce: no inline script, no eval", () => {
    const policy = directives(contentSecurityPolicy("abc123", "'none'"));
    expect(policy.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("img-src")).toEqual(["'self'", "data:", "blob:"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    const all = [...policy.values()].flat();
    expect(all).not.toContain("'unsafe-eval'");
    // Inline styles only (React's style attributes); scripts never.
    expect([...policy].filter(([, sources]) => sources.includes("'unsafe-inline'")).map(([name]) => name)).toEqual([
      "style-src",
    ]);
  });

  it("is one policy with the page's frame-ancestors; X-Frame-Options only when nobody may frame it", () => {
    const framed = pageSecurityHeaders("n1", "https://a.example https://b.example");
    expect(Object.keys(framed)).toEqual(["content-security-policy"]);
    expect(directives(framed["content-security-policy"]).get("frame-ancestors")).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
    const closed = pageSecurityHeaders("n1", "'none'");
    expect(directives(closed["content-security-policy"]).get("frame-ancestors")).toEqual(["'none'"]);
    expect(closed["x-frame-options"]).toBe("DENY");
  });

  it("hands Next the nonce on the request, replacing any policy the client sent", async () => {
    const original = new Request("https://chat.example/chat/1", {
      headers: { cookie: "a=b", "content-security-policy": "script-src 'nonce-attacker'" },
    });
    const request = withNonce(original, "n2");
    expect(getScriptNonceFromHeader(request.headers.get("content-security-policy")!)).toBe("n2");
    expect(request.headers.get("cookie")).toBe("a=b");
    expect(request.url).toBe(original.url);
  });
});
