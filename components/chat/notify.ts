import { finishOutcome, markedTitle, noticeText, type FinishEvent } from "./notifyText";

/**
 * Finish notifications, loaded when first needed (./finishNotice.tsx): the setting (./NotifyToggle.tsx switches it)
 * and what happens when an answer finishes while its tab is hidden.
 */

const SETTING_KEY = "edge-chat:notify-finished";

/** `blocked`: the browser refuses notifications for this site (the user said no): the page never asks again. */
export type NotifySetting = "unsupported" | "blocked" | "on" | "off";

// Chrome on Android has the API but shows notifications only through a service worker: `new Notification` throws.
let refused = false;
const listeners = new Set<() => void>();
/** Takes the mark off the tab's title while one is on (markTitle). */
let unmark: (() => void) | undefined;

export function notifySetting(): NotifySetting {
  if (typeof Notification === "undefined" || refused) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  return Notification.permission === "granted" && localStorage.getItem(SETTING_KEY) === "on" ? "on" : "off";
}

/** Hears changes made here and in the visitor's other tabs (a `storage` event). */
export function subscribeNotifySetting(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

function changed(): void {
  for (const listener of listeners) listener();
}

/** On the user's click only: the browser's permission prompt belongs to a gesture, never to the page's load. */
export async function turnNotificationsOn(): Promise<void> {
  if (Notification.permission === "default") {
    try {
      // Without permission nothing shows; this only finds the browsers that refuse the constructor.
      new Notification("");
    } catch {
      refused = true;
      changed();
      return;
    }
  }
  if ((await Notification.requestPermission()) === "granted") localStorage.setItem(SETTING_KEY, "on");
  changed();
}

export function turnNotificationsOff(): void {
  localStorage.setItem(SETTING_KEY, "off");
  changed();
}

/** The chat an answer belongs to: its URL, and how to go there without reloading the app. */
export type FinishedChat = { path: string; navigate: (path: string) => void };

/**
 * An answer's stream ended while the tab was hidden: the tab's title says so until the tab is seen again, and, when
 * the user turned them on, a notification (one per chat: `tag`) brings them to the chat. The tab may show another
 * chat by the time they click it.
 */
export function announceFinish(finish: FinishEvent, chat: FinishedChat): void {
  const outcome = finishOutcome(finish);
  // Hidden still: the tab may have been shown while this module loaded.
  if (!outcome || !document.hidden) return;
  // An earlier mark comes off first: what is left is the chat's title.
  unmark?.();
  const { title, body } = noticeText(document.title, outcome, finish.message);
  markTitle(markedTitle(document.title, outcome));
  if (notifySetting() !== "on") return;
  try {
    const notification = new Notification(title, { body, tag: chat.path });
    notification.onclick = () => {
      // Not every browser brings the tab forward by itself.
      window.focus();
      notification.close();
      if (location.pathname !== chat.path) chat.navigate(chat.path);
    };
  } catch {
    refused = true;
    changed();
  }
}

function markTitle(marked: string): void {
  const original = document.title;
  document.title = marked;
  const onVisible = () => {
    if (!document.hidden) unmark?.();
  };
  unmark = () => {
    // Chat.tsx (a new title) or a navigation may have replaced the marked title since: theirs stays.
    if (document.title === marked) document.title = original;
    document.removeEventListener("visibilitychange", onVisible);
    unmark = undefined;
  };
  document.addEventListener("visibilitychange", onVisible);
}
