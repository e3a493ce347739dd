"use client";

import { lazy, Suspense, type ComponentProps } from "react";

/**
 * What renders an answer is not part of the page's first load (an empty chat needs none of it): the markdown pipeline
 * (react-markdown, remark-gfm, marked) and the tool cards are chunks of their own. Typing the first message starts
 * loading them (preloadAnswerParts), so they are there before the answer; until they are, text shows as plain text
 * and a tool call as an empty card.
 */
const loadMarkdown = () => import("./Markdown");
const loadToolCard = () => import("./ToolCard");
const Markdown = lazy(() => loadMarkdown().then((module) => ({ default: module.Markdown })));
const ToolCard = lazy(() => loadToolCard().then((module) => ({ default: module.ToolCard })));

export function preloadAnswerParts(): void {
  void loadMarkdown();
  void loadToolCard();
}

export function LazyMarkdown({ text }: { text: string }) {
  return (
    <Suspense
      fallback={
        <div className="markdown whitespace-pre-wrap" data-testid="assistant-text">
          {text}
        </div>
      }
    >
      <Markdown text={text} />
    </Suspense>
  );
}

export function LazyToolCard(props: ComponentProps<typeof ToolCard>) {
  return (
    <Suspense fallback={<div className="h-11 rounded-xl border border-neutral-200 dark:border-neutral-800" aria-busy="true" />}>
      <ToolCard {...props} />
    </Suspense>
  );
}
