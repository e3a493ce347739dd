/**
 * The worker entry (lib/worker.ts) around a stand-in for the OpenNext build (tests/support/open-next-worker.ts, by an
 * alias in vitest.config.ts): the headers it adds to responses.
 */
import { describe, expect, it, vi } from "vitest";
import worker from "@/lib/worker";

// The Durable Object classes it exports extend workerd's DurableObject.
vi.mock("cloudflare:workers", () => ({ DurableObject: class {} }));

const fetchWorker = (url: string) => worker.fetch(new Request(url), {} as CloudflareEnv, {} as ExecutionContext);

describe("worker entry", () => {
  it("sends Strict-Transport-Security on every https response, pages and API alike, and never over http", async () => {
    for (const path of ["/", "/api/models", "/api/usage"]) {
      expect((await fetchWorker(`https://chat.example.com${path}`)).headers.get("strict-transport-security"), path).toBe("max-age=31536000");
      expect((await fetchWorker(`http://chat.example.com${path}`)).headers.get("strict-transport-security"), path).toBeNull();
    }
  });
});
