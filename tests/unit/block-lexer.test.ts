import { Lexer } from "marked";
import { describe, expect, it } from "vitest";
import { BlockLexer, type Blocks } from "@/components/chat/parts/blockLexer";

/** The reference: the whole text lexed at once. */
function fullSplit(text: string): Blocks {
  const tokens = Lexer.lex(text, { gfm: true });
  return {
    blocks: tokens.filter((token) => token.type !== "space" && token.type !== "def").map((token) => token.raw),
    definitions: tokens.filter((token) => token.type === "def").map((token) => token.raw).join("\n"),
  };
}

const DOCUMENTS: Record<string, string> = {
  mixed: [
    "# Title\n\nA paragraph with **bold**, `code` and a [link][1].\n",
    "- one\n- two\n\n  still item two\n- three\n\n",
    "1. first\n2. second\n\n",
    "```ts\nconst x = 1;\n\nconst y = 2;\n```\n\n",
    "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n",
    "Setext heading\n==============\n\nAnother line\n---\n\n",
    "> a quote\nlazy continuation\n\n> second quote\n\n",
    "    indented code\n\nText after.\n\n",
    "[1]: https://example.com\n\nThe end.",
  ].join(""),
  "unclosed fence": "Intro.\n\n```python\nprint(1)\n\nprint(2)\n\nstill code",
  "windows newlines": "line one\r\n\r\n- a\r\n- b\r\n\r\nline two\r\n",
  "bench-like": Array.from({ length: 600 }, (_, i) =>
    i % 200 === 10 ? "\n\n```ts\nconst x = 1;\n" : i % 200 === 30 ? "```\n\n" : i % 60 === 0 ? "\n\n" : i % 30 === 0 ? "\n- item " : `word${i} `,
  ).join(""),
};

/** A deterministic pseudo-random sequence (chunk sizes). */
function prng(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("BlockLexer", () => {
  it.each(Object.entries(DOCUMENTS))("streamed in random chunks, every step equals a full lex (%s)", (_, document) => {
    for (const seed of [1, 2, 3]) {
      const random = prng(seed);
      const lexer = new BlockLexer();
      let end = 0;
      while (end < document.length) {
        end = Math.min(document.length, end + 1 + Math.floor(random() * 12));
        const text = document.slice(0, end);
        expect(lexer.split(text), `seed ${seed}, at ${end}`).toEqual(fullSplit(text));
      }
    }
  });

  it("starts over when the text is not a continuation (a regenerated answer)", () => {
    const lexer = new BlockLexer();
    lexer.split("First answer.\n\n- a\n- b\n\nMore.");
    expect(lexer.split("Another answer entirely.")).toEqual(fullSplit("Another answer entirely."));
  });
});
