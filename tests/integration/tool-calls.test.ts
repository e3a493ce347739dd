/**
 * Tool calls through the real route, the real providers and real HTTP, in each upstream wire format:
 * - a getCurrentTime call whose arguments arrive in 1–3 character chunks: the tool runs, its output reaches the
 *   client, the second model request carries the result, the answer follows;
 * - a getWeather call answered by the fake Open-Meteo (WEATHER_API_BASE_URL);
 * - parallel tool calls in one step (Chat Completions interleaves their argument chunks), and the recorded Responses
 *   `parallel` wrapper expanded into two different tools;
 * - a Workers AI model without tool support gets no tools.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import { startFakeOpenMeteo, type FakeOpenMeteo } from "../support/fake-open-meteo";
import { fixtureLines } from "../support/fake-openai";
import { type WorkersAIFormat } from "../support/fake-workers-ai";
import { allFormats } from "../support/formats";
import { tinyChunks, type RecordedRequest } from "../support/http-fake";
import { openAIEnv, workersAIEnv, startFakeUpstreamsPerFile } from "../support/presets";
import { weatherApiPerTest } from "../support/ui-client";

const ARGS = '{"timeZone":"Europe/Paris"}';
const ANSWER = ["It is ", "currently ", "a lovely ", "time in Paris ", "🇫🇷."];

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();


type Case = {
  name: string;
  setup: () => void;
  requests: () => RecordedRequest[];
  /** The tool result as the second request carries it (a JSON string), and the id it answers. */
  toolResultOf: (request: RecordedRequest) => { callId: string; content: string } | undefined;
};

const chatToolResult = (request: RecordedRequest) => {
  const message = request.body.messages.find((m: { role: string }) => m.role === "tool");
  return message && { callId: message.tool_call_id as string, content: message.content as string };
};

const cases: Case[] = [
  {
    name: "OpenAI Chat Completions",
    setup: () => {
      setEnv(openAIEnv(fakes.openai, "chat"));
      fakes.openai.reply(
        { type: "tool-call", toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), callId: "call_paris" },
        { type: "text", deltas: ANSWER },
      );
    },
    requests: () => fakes.openai.requests,
    toolResultOf: chatToolResult,
  },
  {
    name: "OpenAI Responses",
    setup: () => {
      setEnv(openAIEnv(fakes.openai, "responses"));
      fakes.openai.reply(
        { type: "tool-call", toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), callId: "call_paris" },
        { type: "text", deltas: ANSWER },
      );
    },
    requests: () => fakes.openai.requests,
    toolResultOf: (request) => {
      const item = request.body.input.find((entry: { type?: string }) => entry.type === "function_call_output");
      return item && { callId: item.call_id as string, content: item.output as string };
    },
  },
  ...(["native", "openai"] as WorkersAIFormat[]).map(
    (format): Case => ({
      name: `Workers AI (${format} SSE shape)`,
      setup: () => {
        setEnv(workersAIEnv(fakes.workersAI));
        fakes.workersAI.reply(
          { type: "tool-call", format, toolName: "getCurrentTime", argChunks: tinyChunks(ARGS), id: "call_paris" },
          { type: "text", format, deltas: ANSWER },
        );
      },
      requests: () => fakes.workersAI.requests,
      toolResultOf: chatToolResult,
    }),
  ),
];

describe.each(cases)("split tool-call arguments: $name", ({ setup, requests, toolResultOf }) => {
  it("runs the tool, streams its output to the client, sends the result upstream, then the answer", async () => {
    expect(tinyChunks(ARGS).length).toBeGreaterThanOrEqual(ARGS.length / 3);
    setup();

    const result = await chat(chatBody({ text: "What time is it in Paris?" }));

    expect(result.response.status).toBe(200);
    expect(result.errors).toEqual([]);
    expect(result.toolInputErrors).toEqual([]);
    expect(result.toolErrors).toEqual([]);

    // The tool input streamed to the client piece by piece and joined to the full arguments.
    expect(result.toolInputStarts).toHaveLength(1);
    const { toolCallId } = result.toolInputStarts[0];
    expect(result.toolInputStarts[0].toolName).toBe("getCurrentTime");
    expect(result.toolInputDeltas.length).toBeGreaterThan(1);
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta).join("")).toBe(ARGS);
    expect(result.toolInputs).toMatchObject([{ toolCallId, toolName: "getCurrentTime", input: { timeZone: "Europe/Paris" } }]);

    // The tool ran on the server and its output reached the client.
    expect(result.toolOutputs).toHaveLength(1);
    const output = result.toolOutputs[0].output as { timeZone: string; iso: string; local: string };
    expect(result.toolOutputs[0].toolCallId).toBe(toolCallId);
    expect(output.timeZone).toBe("Europe/Paris");
    expect(Math.abs(Date.parse(output.iso) - Date.now())).toBeLessThan(60_000);

    // Two upstream requests; the second carries the tool result for the call the model made.
    const sent = requests();
    expect(sent).toHaveLength(2);
    expect(toolResultOf(sent[0])).toBeUndefined();
    const toolResult = toolResultOf(sent[1]);
    expect(toolResult?.callId).toBe("call_paris");
    expect(JSON.parse(toolResult!.content)).toEqual(output);

    // Then the final answer, exactly, in a second step.
    expect(result.text).toBe(ANSWER.join(""));
    const types = result.types;
    expect(types.filter((type) => type === "start-step")).toHaveLength(2);
    expect(types.indexOf("tool-output-available")).toBeLessThan(types.indexOf("text-delta"));
    // The answer ends with `finish`; only the new chat's (transient) title follows it.
    expect(types.slice(-2)).toEqual(["finish", "data-title"]);
    expect(result.chunks.at(-1)).toEqual({ type: "data-title", data: { title: "What time is it in Paris?" }, transient: true });
    expect(result.finish?.finishReason).toBe("stop");
    expect(result.sawDone).toBe(true);
    // Usage is summed over both steps.
    expect(result.metadata?.usage?.inputTokens).toBeGreaterThan(0);
    expect(result.metadata?.usage?.outputTokens).toBeGreaterThan(0);
  });
});

describe("a Workers AI model without tool support", () => {
  it("gets no tools in its request and just answers", async () => {
    setEnv(workersAIEnv(fakes.workersAI, ["@cf/meta/llama-3.1-8b-instruct"]));
    fakes.workersAI.reply({ type: "text", deltas: ["No tools ", "here."] });

    const result = await chat(chatBody({ text: "What time is it in Paris?" }));

    expect(result.text).toBe("No tools here.");
    expect(fakes.workersAI.runs.at(-1)?.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(fakes.workersAI.requests[0].body.tools).toBeUndefined();
  });
});

// ---------------------------------------------------------------- getWeather, and parallel calls in one step

const openMeteo = { fake: undefined as unknown as FakeOpenMeteo };
beforeAll(async () => {
  openMeteo.fake = await startFakeOpenMeteo();
});
afterAll(async () => {
  await openMeteo.fake.close();
});
beforeEach(() => openMeteo.fake.reset());
weatherApiPerTest(() => openMeteo.fake.baseUrl);

const PARIS_WEATHER = {
  location: { name: "Paris", country: "France", latitude: 48.85341, longitude: 2.3488, timeZone: "Europe/Paris" },
  current: {
    time: "2026-01-15T14:00",
    temperatureC: 7.3,
    feelsLikeC: 4.1,
    humidityPercent: 81,
    windKmh: 14.2,
    condition: "Overcast",
    weatherCode: 3,
    isDay: true,
  },
  daily: [
    { date: "2026-01-15", condition: "Overcast", weatherCode: 3, maxC: 8.9, minC: 3.1 },
    { date: "2026-01-16", condition: "Light rain", weatherCode: 61, maxC: 10.2, minC: 5.6 },
    { date: "2026-01-17", condition: "Partly cloudy", weatherCode: 2, maxC: 9.4, minC: 4 },
  ],
};

describe.each(allFormats(fakes))("getWeather through Open-Meteo: $name", (format) => {
  it("the tool asks the fake Open-Meteo, its output reaches the client and the model's second request", async () => {
    setEnv(format.env());
    const args = '{"city":"Paris"}';
    format.toolCalls([{ toolName: "getWeather", args, callId: "call_weather" }]);
    format.text(["It is overcast ", "in Paris, 7.3 °C."]);

    const result = await chat(chatBody({ text: "What's the weather in Paris?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolErrors).toEqual([]);
    // The arguments arrived one character per chunk and still joined up.
    expect(result.toolInputDeltas.map((chunk) => chunk.inputTextDelta)).toEqual([...args]);
    expect(result.toolInputs).toMatchObject([{ toolName: "getWeather", input: { city: "Paris" } }]);
    expect(result.toolOutputs).toHaveLength(1);
    expect(result.toolOutputs[0].output).toEqual(PARIS_WEATHER);
    expect(openMeteo.fake.queries("search").map((query) => query.get("name"))).toEqual(["Paris"]);
    expect(openMeteo.fake.queries("forecast")).toHaveLength(1);

    const sent = format.requests();
    expect(sent).toHaveLength(2);
    expect(format.toolResults(sent[0])).toEqual([]);
    const [toolResult] = format.toolResults(sent[1]);
    expect(toolResult.callId).toBe("call_weather");
    expect(JSON.parse(toolResult.content)).toEqual(PARIS_WEATHER);
    expect(result.text).toBe("It is overcast in Paris, 7.3 °C.");
    expect(result.finish?.finishReason).toBe("stop");
  });
});

describe.each(allFormats(fakes))("parallel tool calls in one step: $name", (format) => {
  it("three calls in one step (1-char argument chunks) all run, each output matched to its call, one answer", async () => {
    setEnv(format.env());
    const calls = [
      { toolName: "getWeather", args: '{"city":"Paris"}', callId: "call_w_paris" },
      { toolName: "getCurrentTime", args: '{"timeZone":"Asia/Tokyo"}', callId: "call_t_tokyo" },
      { toolName: "getWeather", args: '{"city":"Tokyo"}', callId: "call_w_tokyo" },
    ];
    format.toolCalls(calls, { interleave: true });
    format.text(["Paris is overcast; ", "Tokyo is clear ", "and late."]);

    const result = await chat(chatBody({ text: "Weather in Paris and Tokyo, and the time in Tokyo?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputErrors).toEqual([]);
    expect(result.toolErrors).toEqual([]);
    // Three distinct calls, each with its full input.
    expect(result.toolInputs.map((chunk) => [chunk.toolName, chunk.input])).toEqual([
      ["getWeather", { city: "Paris" }],
      ["getCurrentTime", { timeZone: "Asia/Tokyo" }],
      ["getWeather", { city: "Tokyo" }],
    ]);
    const ids = result.toolInputs.map((chunk) => chunk.toolCallId);
    expect(new Set(ids).size).toBe(3);
    // Every delta belongs to a started call, and each call's deltas join to its arguments.
    for (const [i, call] of calls.entries()) {
      const deltas = result.toolInputDeltas.filter((chunk) => chunk.toolCallId === ids[i]).map((chunk) => chunk.inputTextDelta);
      expect(deltas.join("")).toBe(call.args);
      expect(deltas.length).toBe(call.args.length);
    }

    // Each output is attached to the right call.
    const outputById = new Map(result.toolOutputs.map((chunk) => [chunk.toolCallId, chunk.output]));
    expect(outputById.size).toBe(3);
    expect(outputById.get(ids[0])).toEqual(PARIS_WEATHER);
    expect(outputById.get(ids[1])).toMatchObject({ timeZone: "Asia/Tokyo" });
    expect(outputById.get(ids[2])).toMatchObject({ location: { name: "Tokyo" }, current: { isDay: false } });

    // One tool step, then one answer step: two model requests; the second replays the three calls and their results.
    const types = result.types;
    expect(types.filter((type) => type === "start-step")).toHaveLength(2);
    expect(types.lastIndexOf("tool-output-available")).toBeLessThan(types.indexOf("text-delta"));
    const sent = format.requests();
    expect(sent).toHaveLength(2);
    expect(format.toolCallsSent(sent[1]).map((call) => call.toolName)).toEqual(["getWeather", "getCurrentTime", "getWeather"]);
    const results = format.toolResults(sent[1]);
    expect(results.map((item) => item.callId)).toEqual(calls.map((call) => call.callId));
    expect(JSON.parse(results[0].content)).toEqual(PARIS_WEATHER);
    expect(JSON.parse(results[1].content)).toMatchObject({ timeZone: "Asia/Tokyo" });
    expect(JSON.parse(results[2].content)).toMatchObject({ location: { name: "Tokyo" } });
    expect(result.text).toBe("Paris is overcast; Tokyo is clear and late.");
    expect(result.finish?.finishReason).toBe("stop");
  });
});

describe("parallel tool calls: the recorded Responses `parallel` wrapper", () => {
  const PARALLEL = "openai-responses-parallel-tool-call-wrapper.1.chunks.txt";

  it("aimed at getWeather and getCurrentTime: expanded into two different tools that both run in one step", async () => {
    // The recording (see openai-replay.test.ts) with its recipients pointed at this app's tools and its two
    // unterminated JSON lines closed.
    const adapt = (line: string) => {
      let fixed = line;
      try {
        JSON.parse(fixed);
      } catch {
        fixed += "}";
      }
      return fixed
        .replaceAll(
          String.raw`functions.weather\",\"parameters\":{\"location\":\"San Francisco\"}`,
          String.raw`functions.getWeather\",\"parameters\":{\"city\":\"London\"}`,
        )
        .replaceAll(
          String.raw`functions.cityAttractions\",\"parameters\":{\"city\":\"Rome\"}`,
          String.raw`functions.getCurrentTime\",\"parameters\":{\"timeZone\":\"Europe/London\"}`,
        );
    };
    expect(fixtureLines(PARALLEL).map(adapt).join("\n")).toContain("functions.getWeather");
    setEnv(openAIEnv(fakes.openai, "responses"));
    fakes.openai.reply({ type: "replay", file: PARALLEL, transform: adapt }, { type: "text", deltas: ["Rainy ", "London."] });

    const result = await chat(chatBody({ text: "Weather and time in London?" }));

    expect(result.errors).toEqual([]);
    expect(result.toolInputs.map((chunk) => [chunk.toolName, chunk.input])).toEqual([
      ["getWeather", { city: "London" }],
      ["getCurrentTime", { timeZone: "Europe/London" }],
    ]);
    // They run in parallel: outputs arrive in the order the tools finish, each tied to its call.
    const [weatherId, timeId] = result.toolInputs.map((chunk) => chunk.toolCallId);
    const outputById = new Map(result.toolOutputs.map((chunk) => [chunk.toolCallId, chunk.output]));
    expect(outputById.size).toBe(2);
    expect(outputById.get(weatherId)).toMatchObject({ location: { name: "London" }, current: { condition: "Light rain" } });
    expect(outputById.get(timeId)).toMatchObject({ timeZone: "Europe/London" });
    const outputs = (fakes.openai.requests[1].body.input as { type?: string; call_id?: string; output?: string }[]).filter(
      (item) => item.type === "function_call_output",
    );
    expect(outputs.map((item) => item.call_id)).toEqual(["call_parallel_0", "call_parallel_1"]);
    expect(JSON.parse(outputs[0].output!)).toMatchObject({ location: { name: "London", country: "United Kingdom" } });
    expect(result.text).toBe("Rainy London.");
  });
});
