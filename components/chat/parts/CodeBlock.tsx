"use client";

import { useEffect, useState, type ReactNode } from "react";
import { CopyButton } from "@/components/ui/CopyButton";

type CodeBlockProps = {
  language: string | undefined;
  /** The plain source: shown at once, highlighted as soon as the highlighter has loaded. */
  code: string;
};

/**
 * The code, highlighted as far as the last highlighting went. While a block streams its code only grows: the last
 * highlighting stays, the new text after it plain until the next one comes, instead of the whole block turning plain
 * and back (every highlighted element rebuilt twice per update). Always the same two children, so React updates the
 * highlighted elements in place rather than mounting them again.
 */
function shown(highlighted: { code: string; nodes: ReactNode } | undefined, code: string): ReactNode {
  if (!highlighted?.nodes || !code.startsWith(highlighted.code)) return code;
  return (
    <>
      {highlighted.nodes}
      {code.slice(highlighted.code.length)}
    </>
  );
}

export function CodeBlock({ language, code }: CodeBlockProps) {
  const [highlighted, setHighlighted] = useState<{ code: string; nodes: ReactNode }>();
  useEffect(() => {
    if (!language) return;
    let current = true;
    void import("./highlight").then(({ highlight }) => {
      if (current) setHighlighted({ code, nodes: highlight(code, language) });
    });
    return () => {
      current = false;
    };
  }, [code, language]);

  return (
    <div className="code-block overflow-hidden rounded-xl border border-neutral-200 bg-neutral-50 dark:border-neutral-800 dark:bg-neutral-900">
      <div className="flex items-center justify-between border-b border-neutral-200 py-1 pr-1.5 pl-4 dark:border-neutral-800">
        <span className="font-mono text-xs text-neutral-500 dark:text-neutral-400">{language ?? "text"}</span>
        <CopyButton
          text={code}
          label="Copy code"
          testId="code-copy-button"
          className="text-neutral-500 hover:bg-neutral-200 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100"
        />
      </div>
      <pre className="overflow-x-auto p-4 text-[13px] leading-relaxed">
        <code className={language ? `hljs language-${language}` : undefined}>
          {shown(highlighted, code)}
        </code>
      </pre>
    </div>
  );
}
