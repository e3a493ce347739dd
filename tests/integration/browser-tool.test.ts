/**
 * The browser tool round trip (getUserTimezone has no execute) through the real route: request 1 streams the call and
 * ends without an output; request 2 carries the output the page supplied (as `addToolOutput` writes it) and the model
 * answers from it. An output that breaks the tool's output schema is a 400 before any model call. A model without tool
 * support gets no `tools` upstream, even with tool parts in the conversation.
 */
import { describe, expect, it } from "vitest";
import { chat, chatBody, cleanEnvPerTest, postChat, userMessage } from "../support/chat-client";
import { openAIChatFormat, openAIResponsesFormat, workersAIFormat, type UpstreamFormat } from "../support/formats";
import { startFakeUpstreamsPerFile, workersAIEnv } from "../support/presets";
import { addToolOutput, assistantMessageFrom, toolParts, type ClientMessage } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();

const BROWSER = { timeZone: "Pacific/Auckland", locale: "en-NZ", localTime: "16/01/2026, 09:15:00" };
const PROMPT = "What is my time zone?";

async function askBrowser(body: ReturnType<typeof chatBody>) {
  const result = await chat(body);
  const message = await assistantMessageFrom(result.chunks);
  const [part] = toolParts(message);
  return { ...result, message, part };
}

function followUp(assistant: ClientMessage, model?: string) {
  return chatBody({ messages: [userMessage(PROMPT), assistant], model });
}

describe("getUserTimezone with the offline demo model", () => {
  it("request 1 ends with the call and no output; request 2 answers from the browser's output", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await askBrowser(chatBody({ text: PROMPT }));

    expect(first.errors).toEqual([]);
    expect(first.part).toMatchObject({ type: "tool-getUserTimezone", state: "input-available", input: {} });
    expect(first.toolOutputs).toEqual([]);
    expect(first.toolErrors).toEqual([]);
    // The step ends with the call: nothing ran on the server, no answer yet.
    expect(first.types.slice(-3)).toEqual(["tool-input-available", "finish-step", "finish"]);
    expect(first.text).toBe("");
    expect(first.finish?.finishReason).toBe("tool-calls");

    const answered = addToolOutput(first.message, first.part.toolCallId, BROWSER);
    const second = await chat(followUp(answered));

    expect(second.response.status).toBe(200);
    expect(second.errors).toEqual([]);
    expect(second.text).toContain("Your browser says your time zone is **Pacific/Auckland** (locale en-NZ)");
    expect(second.text).toContain("**16/01/2026, 09:15:00**");
    expect(second.finish?.finishReason).toBe("stop");
    // The output was the browser's: the server did not produce one of its own.
    expect(second.toolOutputs).toEqual([]);
  });
});

describe.each([
  ["OpenAI Chat Completions", () => openAIChatFormat(fakes.openai)],
  ["OpenAI Responses", () => openAIResponsesFormat(fakes.openai)],
  ["Workers AI", () => workersAIFormat(fakes.workersAI, "openai")],
] as [string, () => UpstreamFormat][])("getUserTimezone with %s over real HTTP", (_name, makeFormat) => {
  it("one model call for request 1; request 2 sends the browser's output as the call's result", async () => {
    const format = makeFormat();
    setEnv(format.env());
    format.toolCalls([{ toolName: "getUserTimezone", args: "{}", callId: "call_tz" }]);
    const first = await askBrowser(chatBody({ text: PROMPT }));

    expect(first.part).toMatchObject({ state: "input-available", toolCallId: expect.any(String) });
    expect(format.requests()).toHaveLength(1);

    format.text(["You are in ", "Auckland time."]);
    const second = await chat(followUp(addToolOutput(first.message, first.part.toolCallId, BROWSER)));

    expect(second.errors).toEqual([]);
    expect(second.text).toBe("You are in Auckland time.");
    const sent = format.requests();
    expect(sent).toHaveLength(2);
    const [result] = format.toolResults(sent[1]);
    expect(result.callId).toBe("call_tz");
    expect(JSON.parse(result.content)).toEqual(BROWSER);
  });
});

describe("an output from the browser that breaks the output schema", () => {
  it.each([
    ["a number for the zone", { ...BROWSER, timeZone: 42 }],
    ["a missing field", { timeZone: "Europe/Paris", locale: "fr-FR" }],
    ["an oversized field", { ...BROWSER, localTime: "x".repeat(10_000) }],
    ["not an object", "Europe/Paris"],
  ])("%s: 400 JSON, no model call", async (_name, output) => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await askBrowser(chatBody({ text: PROMPT }));
    setEnv(openAIChatFormat(fakes.openai).env());
    const before = fakes.openai.requests.length;

    const response = await postChat(followUp(addToolOutput(first.message, first.part.toolCallId, output)));

    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request:chat");
    expect(body.error.message).toMatch(/^Invalid message: /);
    expect(body.error.message.length).toBeLessThan(400);
    expect(fakes.openai.requests.length).toBe(before);
  });
});

describe("a model without tool support", () => {
  const NO_TOOLS_MODEL = "@cf/meta/llama-3.1-8b-instruct";

  it("gets no tools and no tool_choice upstream, even when the conversation holds tool parts", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await askBrowser(chatBody({ text: PROMPT }));
    const answered = addToolOutput(first.message, first.part.toolCallId, BROWSER);

    setEnv(workersAIEnv(fakes.workersAI, [NO_TOOLS_MODEL]));
    fakes.workersAI.reply({ type: "text", deltas: ["Plain ", "answer."] });
    const result = await chat(followUp(answered, `workers-ai:${NO_TOOLS_MODEL}`));

    expect(result.response.status).toBe(200);
    expect(result.errors).toEqual([]);
    expect(result.text).toBe("Plain answer.");
    expect(fakes.workersAI.runs.at(-1)?.model).toBe(NO_TOOLS_MODEL);
    const [request] = fakes.workersAI.requests;
    expect(request.body.tools).toBeUndefined();
    expect(request.body.tool_choice).toBeUndefined();
  });

  it("the same request to a tool model does get the tools", async () => {
    setEnv(workersAIEnv(fakes.workersAI));
    fakes.workersAI.reply({ type: "text", deltas: ["With tools."] });
    await chat(chatBody({ text: "Hello" }));
    const names = (fakes.workersAI.requests[0].body.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(names.sort()).toEqual(["calculate", "getCurrentTime", "getUserTimezone", "getWeather", "listNotes", "saveNote"]);
  });
});
