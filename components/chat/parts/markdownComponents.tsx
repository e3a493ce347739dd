import type { Components, ExtraProps } from "react-markdown";
import { LinkIcon } from "@/components/ui/laterIcons";
import { CodeBlock } from "./CodeBlock";

type HastElement = NonNullable<ExtraProps["node"]>;
type HastChild = HastElement["children"][number];

function textOf(node: HastChild | HastElement): string {
  if ("value" in node) return node.value;
  if ("children" in node) return node.children.map(textOf).join("");
  return "";
}

/** `language-ts` on the <code> inside a fenced block → "ts". */
function languageOf(code: HastElement): string | undefined {
  const classes = code.properties.className;
  if (!Array.isArray(classes)) return undefined;
  const match = classes.map(String).find((name) => name.startsWith("language-"));
  return match?.slice("language-".length);
}

/**
 * How model markdown becomes elements. urlTransform (safeUrl) has already blanked unsafe URLs,
 * so an empty href/src means "not allowed": show the text only.
 */
export const markdownComponents: Components = {
  a({ href, children }) {
    if (!href) return <span>{children}</span>;
    return (
      <a href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  },

  // Images from model output are never fetched automatically (tracking pixels, data leaks): offer a link instead.
  img({ src, alt }) {
    const label = alt || "image";
    if (typeof src !== "string" || !src) return <span>[{label}]</span>;
    return (
      <a href={src} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-1">
        <LinkIcon className="size-3.5 shrink-0" />
        {label}
      </a>
    );
  },

  pre({ node, children }) {
    const code = node?.children.find(
      (child): child is HastElement => child.type === "element" && child.tagName === "code",
    );
    if (!code) return <pre>{children}</pre>;
    return <CodeBlock language={languageOf(code)} code={textOf(code).replace(/\n$/, "")} />;
  },

  table({ children }) {
    return (
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Table">
        <table>{children}</table>
      </div>
    );
  },
};
