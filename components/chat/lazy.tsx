"use client";

import { lazy, Suspense, type ComponentProps } from "react";

/**
 * What an empty chat does not show is not part of the page's first load: the messages (with the markdown pipeline,
 * syntax highlighting and the tool cards) and the error banner are chunks of their own. What an answer needs starts
 * loading as soon as the page is up and idle (preloadAnswerPartsWhenIdle), so it is there before the first answer;
 * until a chunk is there, text shows as plain text and a tool call as an empty card. A stored chat loads them with
 * the page.
 */
const loadMessage = () => import("./Message");
const loadMarkdown = () => import("./parts/Markdown");
const loadToolCard = () => import("./parts/ToolCard");
const loadErrorBanner = () => import("./ErrorBanner");
/** What an error means (the server's message, code and wait), read by the banner and by useChat's onError. */
export const loadErrorMessage = () => import("./errorMessage");
const Message = lazy(() => loadMessage().then((module) => ({ default: module.Message })));
const Markdown = lazy(() => loadMarkdown().then((module) => ({ default: module.Markdown })));
const ToolCard = lazy(() => loadToolCard().then((module) => ({ default: module.ToolCard })));
const ErrorBanner = lazy(() => loadErrorBanner().then((module) => ({ default: module.ErrorBanner })));

/** What an answer may need: its parts, and the error banner (which must not wait for a network that just failed). */
export function preloadAnswerParts(): void {
  void loadMessage();
  void loadMarkdown();
  void loadToolCard();
  void loadErrorBanner();
}

/**
 * Marked when the chat is up (hydrated, the composer usable): `npm run size` counts the scripts asked for before it
 * as the first load, and those after it (the preload below) as loaded after the first paint.
 */
export const CHAT_READY_MARK = "edge-chat:chat-ready";

/** On a chat's mount: marks CHAT_READY_MARK, then preloads the answer's parts once the page is idle. */
export function preloadAnswerPartsWhenIdle(): () => void {
  performance.mark(CHAT_READY_MARK);
  // Safari has no requestIdleCallback: a short timeout lets the first paint's work finish first.
  if (typeof requestIdleCallback !== "function") {
    const timer = setTimeout(preloadAnswerParts, 200);
    return () => clearTimeout(timer);
  }
  const idle = requestIdleCallback(preloadAnswerParts, { timeout: 1_000 });
  return () => cancelIdleCallback(idle);
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
