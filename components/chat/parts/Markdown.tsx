"use client";

import { Lexer } from "marked";
import { memo, useMemo } from "react";
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { markdownComponents } from "./markdownComponents";
import { safeUrl } from "./safeUrl";

const remarkPlugins = [remarkGfm];

type Blocks = {
  /** Top-level markdown blocks (paragraph, list, fenced code, table…), each token's exact source. */
  blocks: string[];
  /** Link reference definitions (`[1]: https://…`); every block needs them to resolve `[text][1]`. */
  definitions: string;
};

function splitIntoBlocks(text: string): Blocks {
  const blocks: string[] = [];
  const definitions: string[] = [];
  for (const token of Lexer.lex(text, { gfm: true })) {
    if (token.type === "space") continue;
    if (token.type === "def") definitions.push(token.raw);
    else blocks.push(token.raw);
  }
  return { blocks, definitions: definitions.join("\n") };
}

/**
 * One block of markdown. Memoised on its source, so while an answer streams only the last
 * (still growing) block is parsed and highlighted again; finished blocks are left alone.
 */
const MarkdownBlock = memo(function MarkdownBlock({ source, definitions }: { source: string; definitions: string }) {
  return (
    <ReactMarkdown
      remarkPlugins={remarkPlugins}
      components={markdownComponents}
      urlTransform={safeUrl}
      // Raw HTML in model output is never rendered (react-markdown escapes it; skipHtml drops it entirely).
      skipHtml
    >
      {definitions ? `${source}\n\n${definitions}` : source}
    </ReactMarkdown>
  );
});

export function Markdown({ text }: { text: string }) {
  const { blocks, definitions } = useMemo(() => splitIntoBlocks(text), [text]);
  return (
    <div className="markdown" data-testid="assistant-text">
      {blocks.map((source, index) => (
        // Blocks only ever grow at the end, so the index is a stable identity.
        <MarkdownBlock key={index} source={source} definitions={definitions} />
      ))}
    </div>
  );
}
