"use client";

import { useSyncExternalStore } from "react";
import { notifySetting, subscribeNotifySetting, turnNotificationsOff, turnNotificationsOn, type NotifySetting } from "./notify";

const serverSetting = (): NotifySetting => "unsupported";

/**
 * The finish-notifications setting, under the composer once a chat has answers: the offer (the browser asks for its
 * permission on this click, never before) and the way to turn them off again. Nothing where the browser cannot show
 * them; inert once the site is blocked (the browser would not ask again anyway).
 */
export function NotifyToggle() {
  const setting = useSyncExternalStore(subscribeNotifySetting, notifySetting, serverSetting);
  if (setting === "unsupported") return null;
  const on = setting === "on";
  const blocked = setting === "blocked";
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      aria-disabled={blocked || undefined}
      data-testid="notify-toggle"
      onClick={() => {
        if (blocked) return;
        if (on) turnNotificationsOff();
        else void turnNotificationsOn();
      }}
      className={`mt-1 inline-flex items-center gap-1.5 rounded-full py-1 pr-1.5 pl-2 text-xs leading-4 transition-colors ${
        blocked
          ? "cursor-not-allowed text-neutral-500 dark:text-neutral-400"
          : "text-neutral-500 hover:bg-neutral-100 hover:text-neutral-800 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100"
      }`}
    >
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" className="size-3.5 shrink-0">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        {blocked && <path d="m2 2 20 20" />}
      </svg>
      {blocked ? "Notifications blocked in this site’s settings" : "Notify me when answers finish"}
      {!blocked && (
        <span
          aria-hidden="true"
          className={`ml-0.5 flex h-4 w-7 items-center rounded-full p-0.5 transition-colors ${
            on ? "bg-neutral-900 dark:bg-neutral-100" : "bg-neutral-300 dark:bg-neutral-600"
          }`}
        >
          <span
            className={`size-3 rounded-full shadow-sm transition-transform ${
              on ? "translate-x-3 bg-white dark:bg-neutral-900" : "bg-white dark:bg-neutral-200"
            }`}
          />
        </span>
      )}
    </button>
  );
}
