/**
 * The worker entry (lib/worker.ts) around a stand-in for the OpenNext build (tests/support/open-next-worker.ts, by an
 * alias in vitest.config.ts): the headers it adds to responses.
 */
import { describe, expect, it, vi } from "vitest";
import worker from "@/lib/worker";
import openNext from "../support/open-next-worker";
import { isHttpsOrLoopback } from "@/lib/security/scheme";

// The Durable Object classes it exports extend workerd's DurableObject.
vi.mock("cloudflare:workers", () => ({ DurableObject: class {} }));

const fetchWorker = (url: string, headers?: HeadersInit) =>
  worker.fetch(new Request(url, { headers }), {} as CloudflareEnv, {} as ExecutionContext);

describe("worker entry", () => {
  it("sends Strict-Transport-Security on every https response, pages and API alike, and never over http", async () => {
    for (const path of ["/", "/api/models", "/api/usage"]) {
      expect((await fetchWorker(`https://chat.example.com${path}`)).headers.get("strict-transport-security"), path).toBe("max-age=31536000");
      expect((await fetchWorker(`http://chat.example.com${path}`)).headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("passes on neither a client's scheme nor its X-Forwarded-Host: plain http to the deployment is never taken for a local run", async () => {
    for (const path of ["/usage", "/api/usage/session"]) {
      await fetchWorker(`http://chat.example.com${path}`, { "x-forwarded-host": "localhost", "x-edge-chat-scheme": "https" });
      const seen = openNext.lastRequest!;
      expect(seen.headers.get("x-forwarded-host"), path).toBeNull();
      expect(isHttpsOrLoopback(seen.headers, seen.url), path).toBe(false);
    }
  });
});
