import type { UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { coalesceTextDeltas } from "@/lib/chat/coalesce";

type Step = UIMessageChunk | { wait: number };

async function run(steps: Step[], windowMs = 20) {
  const out: { chunk: UIMessageChunk; at: number }[] = [];
  const started = Date.now();
  const transform = coalesceTextDeltas(windowMs);
  const reading = (async () => {
    const reader = transform.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out.push({ chunk: value, at: Date.now() - started });
    }
  })();
  const writer = transform.writable.getWriter();
  for (const step of steps) {
    if ("wait" in step) await new Promise((resolve) => setTimeout(resolve, step.wait));
    else await writer.write(step);
  }
  await writer.close();
  await reading;
  return out;
}

const delta = (text: string, id = "t"): UIMessageChunk => ({ type: "text-delta", id, delta: text });

describe("coalesceTextDeltas", () => {
  it("sends the first delta at once and merges the rest of a burst, keeping the text exact", async () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i} `);
    const out = await run([{ type: "text-start", id: "t" }, ...words.map((w) => delta(w)), { type: "text-end", id: "t" }]);
    const deltas = out.filter(({ chunk }) => chunk.type === "text-delta");
    expect(deltas[0].chunk).toEqual(delta("w0 "));
    expect(deltas.length).toBeLessThan(words.length);
    expect(deltas.map(({ chunk }) => (chunk as { delta: string }).delta).join("")).toBe(words.join(""));
    expect(out.at(-1)!.chunk.type).toBe("text-end");
  });

  it("flushes pending text before any other part, so order is kept", async () => {
    const out = await run([
      delta("a"),
      delta("b"),
      delta("c"),
      { type: "tool-input-start", toolCallId: "x", toolName: "getCurrentTime" },
      delta("d", "t2"),
    ]);
    expect(out.map(({ chunk }) => (chunk.type === "text-delta" ? chunk.delta : chunk.type))).toEqual([
      "a",
      "bc",
      "tool-input-start",
      "d",
    ]);
  });

  it("passes slow deltas through one by one without delay", async () => {
    const out = await run([delta("a"), { wait: 60 }, delta("b"), { wait: 60 }, delta("c")]);
    expect(out.map(({ chunk }) => (chunk as { delta: string }).delta)).toEqual(["a", "b", "c"]);
  });

  it("never mixes deltas of different text parts", async () => {
    const out = await run([delta("a", "1"), delta("b", "1"), delta("c", "2"), delta("d", "2")]);
    expect(out.map(({ chunk }) => chunk.type === "text-delta" && `${chunk.id}:${chunk.delta}`)).toEqual(["1:a", "1:b", "2:cd"]);
  });
});
