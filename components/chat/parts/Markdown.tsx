"use client";

import { memo, useMemo, useState } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { BlockLexer } from "./blockLexer";
import { markdownComponents } from "./markdownComponents";
import { safeUrl } from "./safeUrl";

const remarkPlugins = [remarkGfm];
// rehype-highlight builds a lowlight instance (registering ~37 grammars) whenever the plugin is attached,
// and react-markdown attaches plugins on every render: build the transformer once and reuse it.
const highlight = rehypeHighlight();
const rehypePlugins = [() => highlight];

/**
 * One block of markdown. Memoised on its source, so while an answer streams only the last
 * (still growing) block is parsed and highlighted again; finished blocks are left alone.
 */
const MarkdownBlock = memo(function MarkdownBlock({ source, definitions }: { source: string; definitions: string }) {
  return (
    <ReactMarkdown
      remarkPlugins={remarkPlugins}
      rehypePlugins={rehypePlugins}
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
  // One lexer per message: it remembers the last text, so a streaming answer is lexed only where it grew.
  const [lexer] = useState(() => new BlockLexer());
  const { blocks, definitions } = useMemo(() => lexer.split(text), [lexer, text]);
  return (
    <div className="markdown" data-testid="assistant-text">
      {blocks.map((source, index) => (
        // Blocks only ever grow at the end, so the index is a stable identity.
        <MarkdownBlock key={index} source={source} definitions={definitions} />
      ))}
    </div>
  );
}
