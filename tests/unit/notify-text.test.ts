/**
 * Finish notifications' words (components/chat/notifyText.ts): which ends of a stream are news, the tab's marked
 * title, and the notification's title and plain-text start of the answer.
 */
import { describe, expect, it } from "vitest";
import { finishOutcome, markedTitle, noticeText, plainPreview, type FinishEvent } from "@/components/chat/notifyText";
import type { ChatMessage } from "@/lib/chat/types";

type Part = ChatMessage["parts"][number];

function answer(parts: Part[], metadata?: ChatMessage["metadata"]): ChatMessage {
  return { id: "m-answer", role: "assistant", parts: [{ type: "step-start" }, ...parts], metadata };
}

function finish(message: ChatMessage, flags: Partial<Omit<FinishEvent, "message">> = {}): FinishEvent {
  return { message, isAbort: false, isDisconnect: false, isError: false, ...flags };
}

const text = (value: string): Part => ({ type: "text", text: value, state: "done" });

describe("finishOutcome", () => {
  it("a complete answer is ready", () => {
    expect(finishOutcome(finish(answer([text("Hello")])))).toBe("ready");
  });

  it("a failed stream is news, whether or not an answer had begun", () => {
    expect(finishOutcome(finish(answer([text("Half")]), { isError: true }))).toBe("failed");
    const question: ChatMessage = { id: "m-user", role: "user", parts: [text("Hi")] };
    expect(finishOutcome(finish(question, { isError: true }))).toBe("failed");
  });

  it("a stop (here or in another tab) and a lost connection are not", () => {
    expect(finishOutcome(finish(answer([text("Half")]), { isAbort: true }))).toBeUndefined();
    expect(finishOutcome(finish(answer([text("Half")]), { isError: true, isDisconnect: true }))).toBeUndefined();
    expect(finishOutcome(finish(answer([text("Half")], { status: "stopped" })))).toBeUndefined();
  });

  it("an approval waits for the user; a browser tool the page answers itself is not the end", () => {
    const approval: Part = {
      type: "tool-saveNote",
      toolCallId: "call-note",
      state: "approval-requested",
      input: { title: "Milk", body: "Buy milk" },
      approval: { id: "approval-1" },
    };
    expect(finishOutcome(finish(answer([approval])))).toBe("approval");
    const browserTool: Part = { type: "tool-getUserTimezone", toolCallId: "call-tz", state: "input-available", input: {} };
    expect(finishOutcome(finish(answer([browserTool])))).toBeUndefined();
  });
});

describe("markedTitle", () => {
  it("puts what happened first, where a narrow tab still shows it", () => {
    expect(markedTitle("Paris weather · edge-chat", "ready")).toBe("● Answer ready · Paris weather · edge-chat");
    expect(markedTitle("edge-chat", "failed")).toBe("● Answer failed · edge-chat");
    expect(markedTitle("Notes · edge-chat", "approval")).toBe("● Approval needed · Notes · edge-chat");
  });
});

describe("noticeText", () => {
  it("titles the notification with the chat's title and shows the answer's first words", () => {
    const message = answer([text("**Paris** is sunny today."), text("More later.")]);
    expect(noticeText("Paris weather · edge-chat", "ready", message)).toEqual({
      title: "Paris weather",
      body: "Paris is sunny today. More later.",
    });
  });

  it("falls back to the app's name and says what happened when there is no answer to show", () => {
    expect(noticeText("edge-chat", "failed", answer([text("Half an ans")]))).toEqual({
      title: "edge-chat",
      body: "The answer stopped with an error. Open the chat to try again.",
    });
    expect(noticeText("Notes · edge-chat", "approval", answer([]))).toEqual({
      title: "Notes",
      body: "An action is waiting for your approval.",
    });
    expect(noticeText("Weather · edge-chat", "ready", answer([])).body).toBe("The answer is ready.");
  });
});

describe("plainPreview", () => {
  it("takes the markdown off: emphasis, quotes, headings, lists, links, inline code", () => {
    const markdown = [
      "> **Demo model.** This answer comes from _the demo_. Set `OPENAI_API_KEY`.",
      "",
      "## What it shows",
      "",
      "- **Streaming**: word by word, see [the docs](https://example.com/docs).",
      "1. ~~Old~~ new ![a chart](https://example.com/c.png)",
    ].join("\n");
    expect(plainPreview(markdown, 500)).toBe(
      "Demo model. This answer comes from the demo. Set OPENAI_API_KEY. What it shows Streaming: word by word, " +
        "see the docs. Old new a chart",
    );
  });

  it("leaves code blocks and tables' rules out, and keeps words and arithmetic whole", () => {
    const markdown = [
      "Run this:",
      "```ts",
      "const x = 2 * 3;",
      "```",
      "| Piece | Where |",
      "| --- | --- |",
      "| snake_case | 2 * 3 |",
    ].join("\n");
    expect(plainPreview(markdown, 500)).toBe("Run this: Piece Where snake_case 2 * 3");
  });

  it("drops an unclosed code block (an answer cut short) to its end", () => {
    expect(plainPreview("Here:\n```js\nconsole.log(1)\n")).toBe("Here:");
  });

  it("cuts a long answer between words, within the limit, with an ellipsis", () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i + 1}`).join(" ");
    const preview = plainPreview(words, 40);
    expect(preview).toBe("word1 word2 word3 word4 word5 word6…");
    expect(preview.length).toBeLessThanOrEqual(40);
    expect(plainPreview("short answer.", 40)).toBe("short answer.");
    // One long word is cut inside it rather than dropped.
    expect(plainPreview("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
