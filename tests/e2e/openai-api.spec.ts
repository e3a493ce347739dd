import { createHash } from "node:crypto";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { jsonSchema, streamText } from "ai";
import OpenAI from "openai";
import { test, expect, uniquePrompt } from "./fixtures";
import { upstreamRequests } from "./slow-answer";
import { startTestWorker } from "../support/e2e-worker";
import {
  AFTER_TOOL_ANSWER,
  BUDGET_INSPECTOR_PORT,
  BUDGET_WORKER_PORT,
  DEMO_MODEL_ID,
  DROP_AFTER_DELTAS,
  DROP_MARKER,
  E2E_API_KEY,
  E2E_CACHE_TTL_SECONDS,
  E2E_SECOND_API_KEY,
  FAKE_ANSWER_DELTAS,
  FAKE_MODEL_ID,
  SLOW_MARKER,
  TOOL_CALL_MARKER,
  WORKER_URL,
} from "../support/e2e-env";

/**
 * The OpenAI-compatible API (/v1) in workerd, through the official `openai` package: a client nobody here wrote. The
 * fake upstream behind `openai:gpt-fake` answers FAKE_ANSWER_DELTAS, calls the caller's `get_weather` for a prompt
 * with TOOL_CALL_MARKER, and streams slowly for SLOW_MARKER.
 */
const client = new OpenAI({ apiKey: E2E_API_KEY, baseURL: `${WORKER_URL}/v1`, maxRetries: 0 });
const FAKE_ANSWER = FAKE_ANSWER_DELTAS.join("");

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

test.describe("OpenAI-compatible API", () => {
  test("models.list() lists this deployment's models by their ids", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(FAKE_MODEL_ID);
    expect(ids).toContain(DEMO_MODEL_ID);
  });

  test("a completion, not streamed: the model's text, finish_reason and usage", async ({}, testInfo) => {
    const completion = await client.chat.completions.create({
      model: FAKE_MODEL_ID,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: uniquePrompt("Hello", testInfo) },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0].message.role).toBe("assistant");
    expect(completion.choices[0].message.content).toBe(FAKE_ANSWER);
    expect(completion.choices[0].finish_reason).toBe("stop");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
  });

  test("streamed: role first, the text in order, finish_reason last, the usage chunk only when asked", async ({}, testInfo) => {
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({
      model: FAKE_MODEL_ID,
      messages: [{ role: "user", content: uniquePrompt("Hello, streamed", testInfo) }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(withChoices.map((chunk) => chunk.choices[0].delta.content ?? "").join("")).toBe(FAKE_ANSWER);
    expect(withChoices.at(-1)!.choices[0].finish_reason).toBe("stop");
    expect(withChoices.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null)).toBe(true);
    // The usage chunk: last, with no choices.
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBeGreaterThan(0);

    // Not asked for: no usage chunk; on the wire `data: [DONE]` ends the stream.
    const response = await fetch(`${WORKER_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: FAKE_MODEL_ID, stream: true, messages: [{ role: "user", content: uniquePrompt("Hi", testInfo) }] }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const bodies = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, "")) as { choices: unknown[]; usage?: unknown });
    expect(bodies.every((body) => body.choices.length === 1 && body.usage === undefined)).toBe(true);
  });

  test("a tool call round trip: the call streamed as indexed deltas, then the answer from the caller's tool result", async ({}, testInfo) => {
    const question = uniquePrompt(`${TOOL_CALL_MARKER} What is the weather in Paris?`, testInfo);
    const stream = await client.chat.completions.create({
      model: FAKE_MODEL_ID,
      messages: [{ role: "user", content: question }],
      tools: [weatherTool],
      stream: true,
    });
    const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather" } });
    expect(deltas[0].id).toBeTruthy();
    expect(deltas.every((delta) => delta.index === 0)).toBe(true);
    expect(deltas.slice(1).every((delta) => delta.id === undefined && delta.function?.name === undefined)).toBe(true);
    const args = deltas.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual({ city: "Paris" });

    // The caller runs its tool and sends the result back.
    const answer = await client.chat.completions.create({
      model: FAKE_MODEL_ID,
      messages: [
        { role: "user", content: question },
        { role: "assistant", content: null, tool_calls: [{ id: deltas[0].id!, type: "function", function: { name: "get_weather", arguments: args } }] },
        { role: "tool", tool_call_id: deltas[0].id!, content: JSON.stringify({ sky: "sunny" }) },
      ],
      tools: [weatherTool],
    });
    expect(answer.choices[0].message.content).toBe(AFTER_TOOL_ANSWER.join(""));
    expect(answer.choices[0].finish_reason).toBe("stop");
  });

  test("the AI SDK's own OpenAI-compatible provider streams from it, tool calls included", async ({}, testInfo) => {
    const edgeChat = createOpenAICompatible({ name: "edge-chat", baseURL: `${WORKER_URL}/v1`, apiKey: E2E_API_KEY, includeUsage: true });
    const answer = streamText({ model: edgeChat.chatModel(FAKE_MODEL_ID), prompt: uniquePrompt("Hello via the AI SDK", testInfo), maxRetries: 0 });
    expect(await answer.text).toBe(FAKE_ANSWER);
    expect(await answer.finishReason).toBe("stop");
    expect((await answer.usage).outputTokens).toBeGreaterThan(0);

    const call = streamText({
      model: edgeChat.chatModel(FAKE_MODEL_ID),
      prompt: uniquePrompt(`${TOOL_CALL_MARKER} Weather?`, testInfo),
      tools: { get_weather: { description: "The weather in a city", inputSchema: jsonSchema({ type: "object", properties: { city: { type: "string" } } }) } },
      maxRetries: 0,
    });
    const calls = await call.toolCalls;
    expect(calls.map((toolCall) => [toolCall.toolName, toolCall.input])).toEqual([["get_weather", { city: "Paris" }]]);
  });

  test("errors come as the SDK's typed errors: a bad key (401), an unknown model (404), a bad field (400)", async ({}, testInfo) => {
    const messages = [{ role: "user" as const, content: uniquePrompt("Hi", testInfo) }];
    const stranger = new OpenAI({ apiKey: "ec_not-a-key-of-this-deployment", baseURL: `${WORKER_URL}/v1`, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: FAKE_MODEL_ID, messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const unknown = await client.chat.completions.create({ model: "openai:no-such-model", messages }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");

    const invalid = await client.chat.completions.create({ model: FAKE_MODEL_ID, messages, temperature: 5 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as Error).message).toContain("temperature");
  });

  test("the model failing mid-answer: streamed, the text so far then an error event the SDK throws; not streamed, a 502", async ({}, testInfo) => {
    const stream = await client.chat.completions.create({
      model: FAKE_MODEL_ID,
      messages: [{ role: "user", content: uniquePrompt(`${DROP_MARKER} then fail`, testInfo) }],
      stream: true,
    });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((error: unknown) => error);
    expect(text).toBe(FAKE_ANSWER_DELTAS.slice(0, DROP_AFTER_DELTAS).join(""));
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain("The connection to the model provider failed");
    expect((failure as Error).message).not.toMatch(/127\.0\.0\.1|sk-/);

    const whole = await client.chat.completions
      .create({ model: FAKE_MODEL_ID, messages: [{ role: "user", content: uniquePrompt(`${DROP_MARKER} whole`, testInfo) }] })
      .catch((error: unknown) => error);
    expect(whole).toBeInstanceOf(OpenAI.APIError);
    expect((whole as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  test("a client that goes away stops the upstream call", async ({ request }, testInfo) => {
    const prompt = uniquePrompt(`${SLOW_MARKER} abort over the API`, testInfo);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: FAKE_MODEL_ID, messages: [{ role: "user", content: prompt }], stream: true },
      { signal: controller.signal },
    );
    let text = "";
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if ((text.match(/word\d+/g) ?? []).length >= 10) controller.abort();
      }
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    }
    await expect
      .poll(() => upstreamRequests(request, prompt), { message: "the worker closed its upstream request", timeout: 5_000 })
      .toEqual([{ status: 200, closedEarly: true }]);
  });

  test("a visitor makes a key on /settings/keys: shown once, it works with the openai client, and stops at once when deleted", async ({
    chat,
    page,
  }) => {
    await chat.open();
    await page.getByTestId("settings-keys-link").click();
    await expect(page).toHaveURL("/settings/keys");
    await expect(page.getByTestId("keys")).toContainText("No keys yet.");
    await page.getByTestId("key-name").fill("my script");
    await page.getByTestId("create-key").click();
    const key = (await page.getByTestId("new-key-value").textContent()) ?? "";
    expect(key).toMatch(/^ec_[0-9a-f]{48}$/);
    await expect(page.getByTestId("key")).toHaveCount(1);
    await expect(page.getByTestId("key")).toContainText("my script");
    await expect(page.getByTestId("key")).toContainText(`${key.slice(0, 7)}…`);

    const mine = new OpenAI({ apiKey: key, baseURL: `${WORKER_URL}/v1`, maxRetries: 0 });
    const completion = await mine.chat.completions.create({ model: FAKE_MODEL_ID, messages: [{ role: "user", content: "Hi from my key" }] });
    expect(completion.choices[0].message.content).toBe(FAKE_ANSWER);

    // Shown once: a reload lists the key, never the key itself; what it spent today is counted.
    await page.reload();
    await expect(page.getByTestId("key")).toHaveCount(1);
    const used = Number((await page.getByTestId("key-usage").textContent())?.replace(/\D/g, ""));
    expect(used).toBe(completion.usage?.total_tokens);
    await expect(page.getByTestId("new-key")).toHaveCount(0);
    expect(await page.content()).not.toContain(key);

    await page.getByTestId("delete-key").click();
    await expect(page.getByTestId("keys")).toContainText("No keys yet.");
    await expect(mine.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("a key over its daily budget gets a 429 that the SDK types, with Retry-After", async ({}, testInfo) => {
    test.setTimeout(90_000);
    const key = "ec_budget-spec-key";
    const worker = await startTestWorker(
      {
        SESSION_SECRET: "budget-spec-secret",
        API_KEYS: createHash("sha256").update(key).digest("hex"),
        API_KEY_DAILY_TOKEN_BUDGET: "10",
      },
      { port: BUDGET_WORKER_PORT, inspectorPort: BUDGET_INSPECTOR_PORT },
    );
    try {
      const limited = new OpenAI({ apiKey: key, baseURL: `${worker.url}/v1`, maxRetries: 0 });
      const error = await limited.chat.completions
        .create({ model: DEMO_MODEL_ID, messages: [{ role: "user", content: uniquePrompt("Hello", testInfo) }] })
        .catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const refused = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(refused.message).toContain("budget");
      expect(Number(refused.headers?.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
  });

  test("the answer cache: temperature 0 is answered from KV for the same key, streamed or not, until its TTL; never across keys", async ({
    request,
  }, testInfo) => {
    const prompt = uniquePrompt("Cache me", testInfo);
    const ask = async (apiKey: string) => {
      const response = await fetch(`${WORKER_URL}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: FAKE_MODEL_ID, temperature: 0, messages: [{ role: "user", content: prompt }] }),
      });
      const body = (await response.json()) as OpenAI.Chat.Completions.ChatCompletion;
      return { cache: response.headers.get("x-edge-chat-cache"), text: body.choices[0].message.content };
    };
    const modelCalls = async () => (await upstreamRequests(request, prompt)).length;

    expect(await ask(E2E_API_KEY)).toEqual({ cache: "miss", text: FAKE_ANSWER });
    expect(await ask(E2E_API_KEY)).toEqual({ cache: "hit", text: FAKE_ANSWER });
    const { data: stream, response } = await client.chat.completions
      .create({ model: FAKE_MODEL_ID, temperature: 0, stream: true, messages: [{ role: "user", content: prompt }] })
      .withResponse();
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(response.headers.get("x-edge-chat-cache")).toBe("hit");
    expect(streamed).toBe(FAKE_ANSWER);
    expect(await modelCalls()).toBe(1);

    // Another key asks the model itself; so does the first once the entry is older than its TTL.
    expect(await ask(E2E_SECOND_API_KEY)).toEqual({ cache: "miss", text: FAKE_ANSWER });
    expect(await modelCalls()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, E2E_CACHE_TTL_SECONDS * 1000 + 500));
    expect(await ask(E2E_API_KEY)).toEqual({ cache: "miss", text: FAKE_ANSWER });
    expect(await modelCalls()).toBe(3);

    // Without temperature 0 (or the header), no cache at all.
    const plain = await fetch(`${WORKER_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: FAKE_MODEL_ID, messages: [{ role: "user", content: prompt }] }),
    });
    expect(plain.headers.get("x-edge-chat-cache")).toBeNull();
    await plain.body?.cancel();
  });
});
