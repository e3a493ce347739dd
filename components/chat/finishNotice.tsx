"use client";

import { useRouter } from "next/navigation";
import { lazy, memo, Suspense } from "react";
import type { FinishEvent } from "./notifyText";

// The page's first load carries only these few lines: the rest (./notify.ts) loads when an answer ends unseen or
// when the switch is shown.
const NotifyToggle = lazy(() => import("./NotifyToggle").then((module) => ({ default: module.NotifyToggle })));

/**
 * useChat's onFinish side of finish notifications, for the chat at `path` (none in the widget: another site's page
 * owns that tab). Only a hidden tab has anything to do.
 */
export function useFinishNotice(path: string | undefined): (finish: FinishEvent) => void {
  const router = useRouter();
  return (finish) => {
    if (!path || !document.hidden) return;
    void import("./notify").then(({ announceFinish }) => announceFinish(finish, { path, navigate: (to) => router.push(to) }));
  };
}

/**
 * Memoised (it has no props): the chat re-renders on every streamed update, and each render of the switch reads
 * Notification.permission a few times, a synchronous call to the browser process in Chromium (0.2 ms a read when idle,
 * more on a busy machine: 1.5 s of a 60 s answer's main thread).
 */
export const LazyNotifyToggle = memo(function LazyNotifyToggle() {
  return (
    <Suspense>
      <NotifyToggle />
    </Suspense>
  );
});
