import { Lexer, type Token } from "marked";

/** A markdown text split into its top-level blocks (paragraph, list, fenced code, table…). */
export type Blocks = {
  /** Each block's exact source. */
  blocks: string[];
  /** Link reference definitions (`[1]: https://…`); every block needs them to resolve `[text][1]`. */
  definitions: string;
};

/** Blocks re-lexed at the end of a growing text: the last ones may still change (a list goes on, a fence closes). */
const UNSETTLED_BLOCKS = 2;

function lex(text: string): Token[] {
  return Lexer.lex(text, { gfm: true });
}

/**
 * Splits a streaming answer into blocks without lexing it all again on every update: when the text only grew, the
 * blocks before the last few are kept and only the rest is lexed (a full lex of a long answer costs milliseconds per
 * update, and updates come 20 times a second). Same result as lexing the whole text.
 */
export class BlockLexer {
  private text = "";
  private tokens: Token[] = [];

  split(text: string): Blocks {
    this.tokens = this.lexFrom(text);
    this.text = text;
    const blocks: string[] = [];
    const definitions: string[] = [];
    for (const token of this.tokens) {
      if (token.type === "space") continue;
      if (token.type === "def") definitions.push(token.raw);
      else blocks.push(token.raw);
    }
    return { blocks, definitions: definitions.join("\n") };
  }

  private lexFrom(text: string): Token[] {
    if (!text.startsWith(this.text)) return lex(text);
    // Keep every token up to the last UNSETTLED_BLOCKS blocks (and the spaces between them).
    let keep = this.tokens.length;
    for (let unsettled = 0; keep > 0 && unsettled < UNSETTLED_BLOCKS; ) {
      keep--;
      if (this.tokens[keep].type !== "space") unsettled++;
    }
    const kept = this.tokens.slice(0, keep);
    const settled = kept.map((token) => token.raw).join("");
    // The raws cover the text exactly unless marked normalised it (\r\n, tabs): then lex it all.
    if (!text.startsWith(settled)) return lex(text);
    return [...kept, ...lex(text.slice(settled.length))];
  }
}
