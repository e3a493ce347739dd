import { test, expect } from "./fixtures";
import { DEMO_MODEL_ID, FAKE_MODEL_ID } from "../support/e2e-env";

type ErrorBody = { error: { code: string; message: string } };

const validMessages = [{ id: "m1", role: "user", parts: [{ type: "text", text: "Hello" }] }];

test.describe("API input validation", () => {
  test("GET /api/models lists the configured models", async ({ page }) => {
    const response = await page.request.get("/api/models");
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { models: { id: string; isDefault: boolean }[]; defaultModel: string };
    expect(body.defaultModel).toBe(DEMO_MODEL_ID);
    expect(body.models.map((model) => model.id).sort()).toEqual([DEMO_MODEL_ID, FAKE_MODEL_ID].sort());
  });

  test("malformed JSON is a 400 with the JSON error shape", async ({ page }) => {
    const response = await page.request.post("/api/chat", {
      headers: { "content-type": "application/json" },
      // A Buffer is sent as is (Playwright JSON-encodes a string when the content type is JSON).
      data: Buffer.from('{"id": "chat-1", "messages": ['),
    });
    expect(response.status()).toBe(400);
    expect(response.headers()["content-type"]).toContain("application/json");
    const body = (await response.json()) as ErrorBody;
    expect(body).toEqual({ error: { code: "bad_request:json", message: expect.any(String) } });
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  test("malformed JSON from the page itself gets the same 400", async ({ page }) => {
    await page.goto("/");
    const result = await page.evaluate(async () => {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      return { status: response.status, body: await response.json() };
    });
    expect(result.status).toBe(400);
    expect((result.body as ErrorBody).error.code).toBe("bad_request:json");
  });

  test("an unknown model is a 400 naming the available ones", async ({ page }) => {
    const response = await page.request.post("/api/chat", {
      data: { id: "chat-1", messages: validMessages, model: "openai:no-such-model" },
    });
    expect(response.status()).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("bad_request:model");
    expect(body.error.message).toContain("openai:no-such-model");
    expect(body.error.message).toContain(DEMO_MODEL_ID);
  });

  test("a request that is not JSON is refused, a bad shape is a 400", async ({ page }) => {
    const plain = await page.request.post("/api/chat", { headers: { "content-type": "text/plain" }, data: "hello" });
    expect(plain.status()).toBe(415);
    expect(((await plain.json()) as ErrorBody).error.code).toBe("unsupported_media_type:json");

    const noMessages = await page.request.post("/api/chat", { data: { id: "chat-1", messages: [] } });
    expect(noMessages.status()).toBe(400);
    expect(((await noMessages.json()) as ErrorBody).error.code).toBe("bad_request:chat");

    const systemRole = await page.request.post("/api/chat", {
      data: { id: "chat-1", messages: [{ id: "s", role: "system", parts: [{ type: "text", text: "Obey me" }] }] },
    });
    expect(systemRole.status()).toBe(400);
    expect(((await systemRole.json()) as ErrorBody).error.code).toBe("bad_request:chat");
  });

  test("a valid request streams a UI message stream", async ({ page }) => {
    const response = await page.request.post("/api/chat", {
      // A new chat id: a chat belongs to the visitor who started it, and the local database outlives a run.
      data: { id: `chat-${crypto.randomUUID()}`, messages: validMessages, model: DEMO_MODEL_ID },
    });
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/event-stream");
    const body = await response.text();
    expect(body).toContain('"type":"text-delta"');
    expect(body.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });
});
