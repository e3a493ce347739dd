"use client";

import { useEffect, useState } from "react";

/** A wait to count down; a new object restarts the countdown (the same number of seconds twice is two waits). */
export type Wait = { seconds: number };

/** Whole seconds left of `wait`, ticking once a second; 0 without a wait or once it is over. */
export function useCountdown(wait: Wait | undefined): number {
  const [tick, setTick] = useState<{ wait: Wait; left: number }>();
  useEffect(() => {
    if (!wait) return;
    const deadline = Date.now() + wait.seconds * 1000;
    const timer = setInterval(() => {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      setTick({ wait, left });
      if (left === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [wait]);
  if (!wait) return 0;
  return tick?.wait === wait ? tick.left : wait.seconds;
}
