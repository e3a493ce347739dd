/**
 * The browser tool round trip (getUserTimezone has no execute) through the real route, driven as the browser drives it
 * (one chat id, the visitor cookie, each request carrying only the last message): request 1 streams the call and ends
 * without an output, and the server stores the answer with the call open; request 2 carries that assistant message
 * with the output the page supplied (as `addToolOutput` writes it), the server takes the output into its stored copy
 * and the model answers from it. An output that breaks the tool's output schema is a 400 before any model call. A
 * model without tool support gets no `tools` upstream, even with tool parts in the conversation.
 */
import { describe, expect, it } from "vitest";
import { chat, chatBody, cleanEnvPerTest } from "../support/chat-client";
import { openAIChatFormat, openAIResponsesFormat, workersAIFormat, type UpstreamFormat } from "../support/formats";
import { expectJsonError, startFakeUpstreamsPerFile, workersAIEnv } from "../support/presets";
import { addToolOutput, BrowserChat, storedChat, toolParts } from "../support/ui-client";

const fakes = startFakeUpstreamsPerFile();
const setEnv = cleanEnvPerTest();

const BROWSER = { timeZone: "Pacific/Auckland", locale: "en-NZ", localTime: "16/01/2026, 09:15:00" };
const PROMPT = "What is my time zone?";

/** Request 1 in a new chat of a new visitor. */
async function askBrowser() {
  const browser = new BrowserChat();
  const result = await browser.send(PROMPT);
  const [part] = toolParts(result.message);
  return { ...result, part, browser };
}

describe("getUserTimezone with the offline demo model", () => {
  it("request 1 ends with the call and no output; request 2 answers from the browser's output", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await askBrowser();

    expect(first.errors).toEqual([]);
    expect(first.part).toMatchObject({ type: "tool-getUserTimezone", state: "input-available", input: {} });
    expect(first.toolOutputs).toEqual([]);
    expect(first.toolErrors).toEqual([]);
    // The step ends with the call: nothing ran on the server, no answer yet (then the new chat's title).
    expect(first.types.slice(-4)).toEqual(["tool-input-available", "finish-step", "finish", "data-title"]);
    expect(first.text).toBe("");
    expect(first.finish?.finishReason).toBe("tool-calls");
    const waiting = await storedChat(first.browser.id, first.browser.cookie!);
    expect(waiting.messages.at(-1)).toMatchObject({
      id: first.message.id,
      parts: expect.arrayContaining([expect.objectContaining({ toolCallId: first.part.toolCallId, state: "input-available" })]),
    });

    const answered = addToolOutput(first.message, first.part.toolCallId, BROWSER);
    const second = await first.browser.continueWith(answered);

    expect(second.response.status).toBe(200);
    expect(second.errors).toEqual([]);
    expect(second.text).toContain("Your browser says your time zone is **Pacific/Auckland** (locale en-NZ)");
    expect(second.text).toContain("**16/01/2026, 09:15:00**");
    expect(second.finish?.finishReason).toBe("stop");
    // The output was the browser's: the server did not produce one of its own.
    expect(second.toolOutputs).toEqual([]);
    // The answer continued the stored message, which now holds the browser's output.
    expect(second.start?.messageId).toBe(first.message.id);
    const { messages } = await storedChat(first.browser.id, first.browser.cookie!);
    expect(messages).toHaveLength(2);
    expect(messages[1].parts).toContainEqual(
      expect.objectContaining({ toolCallId: first.part.toolCallId, state: "output-available", output: BROWSER }),
    );

    // The call is answered now: sending an output for it again (or another one) continues nothing.
    const again = addToolOutput(first.message, first.part.toolCallId, { ...BROWSER, timeZone: "Europe/Paris" });
    await expectJsonError(await first.browser.post([again]), 409, "conflict:chat");
    expect(JSON.stringify((await storedChat(first.browser.id, first.browser.cookie!)).messages)).not.toContain("Europe/Paris");
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
    const first = await askBrowser();

    expect(first.part).toMatchObject({ state: "input-available", toolCallId: expect.any(String) });
    expect(format.requests()).toHaveLength(1);

    format.text(["You are in ", "Auckland time."]);
    const second = await first.browser.continueWith(addToolOutput(first.message, first.part.toolCallId, BROWSER));

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
    const first = await askBrowser();
    setEnv(openAIChatFormat(fakes.openai).env());
    const before = fakes.openai.requests.length;

    const response = await first.browser.post([addToolOutput(first.message, first.part.toolCallId, output)]);

    const message = await expectJsonError(response, 400, "bad_request:chat");
    expect(message).toMatch(/^Invalid message: /);
    expect(message.length).toBeLessThan(400);
    expect(fakes.openai.requests.length).toBe(before);
    // The stored call is still open, without the broken output.
    const { messages } = await storedChat(first.browser.id, first.browser.cookie!);
    expect(messages.at(-1)?.parts).toContainEqual(
      expect.objectContaining({ toolCallId: first.part.toolCallId, state: "input-available" }),
    );
  });
});

describe("a model without tool support", () => {
  const NO_TOOLS_MODEL = "@cf/meta/llama-3.1-8b-instruct";

  it("gets no tools and no tool_choice upstream, even when the conversation holds tool parts", async () => {
    setEnv({ DEMO_DELAY_MS: "0" });
    const first = await askBrowser();
    const answered = addToolOutput(first.message, first.part.toolCallId, BROWSER);

    setEnv(workersAIEnv(fakes.workersAI, [NO_TOOLS_MODEL]));
    fakes.workersAI.reply({ type: "text", deltas: ["Plain ", "answer."] });
    // The model is picked in the page before the follow-up goes out.
    first.browser.model = `workers-ai:${NO_TOOLS_MODEL}`;
    const result = await first.browser.continueWith(answered);

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
