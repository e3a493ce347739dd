import { afterEach, describe, expect, it } from "vitest";
import { fetchWithStallTimeout, UpstreamStalledError } from "@/lib/ai/stall";
import { startFakeServer, type FakeServerCore, type Script } from "../support/http-fake";

let server: FakeServerCore | undefined;
afterEach(() => server?.close());

async function serve(script: Script) {
  server = await startFakeServer(() => script);
  return server;
}

const stallFetch = fetchWithStallTimeout(300);

describe("fetchWithStallTimeout", () => {
  it("gives up on an upstream that never sends its headers, and closes the connection", async () => {
    const { url, requests } = await serve({ kind: "hang" });
    const started = performance.now();
    const failure = await stallFetch(url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamStalledError);
    expect((failure as Error).message).toContain("nothing for 1 s");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect((await requests[0].closed).beforeEnd).toBe(true);
  });

  it("fails the body of an upstream that goes silent mid-stream, keeping what came before", async () => {
    const { url, requests } = await serve({ kind: "sse", events: [{ data: "one" }, { data: "two" }, { data: "three" }], stallAfter: 2 });
    const response = await stallFetch(url);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += value;
      }
    })().catch((error: unknown) => error);
    expect(text).toBe("data: one\n\ndata: two\n\n");
    expect(failure).toBeInstanceOf(UpstreamStalledError);
    expect((await requests[0].closed).beforeEnd).toBe(true);
  });

  it("leaves a slow but steady stream alone (the limit is per silence, not in total)", async () => {
    const events = Array.from({ length: 6 }, (_, i) => ({ data: `e${i}` }));
    const { url } = await serve({ kind: "sse", events, delayMs: 150 });
    const response = await stallFetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(await response.text()).toBe(events.map((event) => `data: ${event.data}\n\n`).join(""));
  });

  it("still lets the caller abort", async () => {
    const { url, requests } = await serve({ kind: "hang" });
    const caller = new AbortController();
    const pending = stallFetch(url, { signal: caller.signal });
    setTimeout(() => caller.abort(), 50);
    const failure = await pending.catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(UpstreamStalledError);
    expect((failure as Error).name).toBe("AbortError");
    expect((await requests[0].closed).beforeEnd).toBe(true);
  });
});
