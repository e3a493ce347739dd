"use client";

import { useCallback, useEffect, useRef, useState } from "react";

/** Within this many pixels of the end counts as "at the bottom". */
const BOTTOM_SLACK_PX = 32;

function prefersReducedMotion(): boolean {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/**
 * Keeps a scroll container pinned to its end while its content grows (a streaming answer),
 * until the reader scrolls up; scrolling back down, or scrollToBottom(), pins it again.
 * It only ever moves the container itself (never scrollIntoView), so a page embedding the chat never scrolls.
 */
export function useStickToBottom() {
  const containerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const stuck = useRef(true);
  const [isAtBottom, setIsAtBottom] = useState(true);

  const setStuck = useCallback((value: boolean) => {
    stuck.current = value;
    setIsAtBottom(value);
  }, []);

  const scrollToBottom = useCallback(
    (behavior: ScrollBehavior = "auto") => {
      const container = containerRef.current;
      setStuck(true);
      container?.scrollTo({
        top: container.scrollHeight,
        behavior: behavior === "smooth" && prefersReducedMotion() ? "auto" : behavior,
      });
    },
    [setStuck],
  );

  useEffect(() => {
    const container = containerRef.current;
    const content = contentRef.current;
    if (!container || !content) return;

    const distanceFromBottom = () => container.scrollHeight - container.scrollTop - container.clientHeight;
    let lastTop = container.scrollTop;

    const onScroll = () => {
      const top = container.scrollTop;
      const distance = distanceFromBottom();
      // Moving up while not at the end is the reader's doing: our own scrolls only ever go down.
      if (top < lastTop && distance > 1) setStuck(false);
      else if (distance <= BOTTOM_SLACK_PX) setStuck(true);
      lastTop = top;
    };

    const onResize = () => {
      if (stuck.current) container.scrollTop = container.scrollHeight;
      else if (distanceFromBottom() <= BOTTOM_SLACK_PX) setStuck(true);
    };

    const observer = new ResizeObserver(onResize);
    observer.observe(content);
    observer.observe(container);
    container.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      observer.disconnect();
      container.removeEventListener("scroll", onScroll);
    };
  }, [setStuck]);

  return { containerRef, contentRef, isAtBottom, scrollToBottom };
}

export type StickToBottom = ReturnType<typeof useStickToBottom>;
