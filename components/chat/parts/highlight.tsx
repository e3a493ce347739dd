import { toJsxRuntime } from "hast-util-to-jsx-runtime";
import { common, createLowlight } from "lowlight";
import type { ReactNode } from "react";
import { Fragment, jsx, jsxs } from "react/jsx-runtime";

/**
 * Syntax highlighting, in a chunk of its own: CodeBlock loads it when an answer first shows a fenced code block with a
 * language, so the grammars (highlight.js's common ones) are not part of the page's first load.
 */
const lowlight = createLowlight(common);

/** The code as highlighted elements (hast → React, never HTML strings), or undefined for a language it does not know. */
export function highlight(code: string, language: string): ReactNode | undefined {
  if (!lowlight.registered(language)) return undefined;
  return toJsxRuntime(lowlight.highlight(language, code), { Fragment, jsx, jsxs });
}
