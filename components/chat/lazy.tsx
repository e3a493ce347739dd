"use client";

import { lazy, Suspense, type ComponentProps } from "react";

/**
 * What an empty chat does not show is not part of the page's first load: the messages (with the markdown pipeline,
 * syntax highlighting and the tool cards) and the error banner are chunks of their own. Typing the first message starts
 * loading what the answer needs (preloadAnswerParts), so it is there before the answer; until a chunk is there, text
 * shows as plain text and a tool call as an empty card. A stored chat loads them with the page.
 */
const loadMessage = () => import("./Message");
const loadMarkdown = () => import("./parts/Markdown");
const loadToolCard = () => import("./parts/ToolCard");
const Message = lazy(() => loadMessage().then((module) => ({ default: module.Message })));
const Markdown = lazy(() => loadMarkdown().then((module) => ({ default: module.Markdown })));
const ToolCard = lazy(() => loadToolCard().then((module) => ({ default: module.ToolCard })));
const ErrorBanner = lazy(() => import("./ErrorBanner").then((module) => ({ default: module.ErrorBanner })));

export function preloadAnswerParts(): void {
  void loadMessage();
  void loadMarkdown();
  void loadToolCard();
}

export function LazyMessage(props: ComponentProps<typeof Message>) {
  return (
    <Suspense>
      <Message {...props} />
    </Suspense>
  );
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

export function LazyErrorBanner(props: ComponentProps<typeof ErrorBanner>) {
  return (
    <Suspense>
      <ErrorBanner {...props} />
    </Suspense>
  );
}
