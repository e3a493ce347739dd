import { useEffect, useRef } from "react";

/** What the conversation tells open pages (GET /api/chat/[id]/live, lib/chat/conversation-core.ts `listen`). */
export type LiveEvent = { type: "ready"; running: boolean } | { type: "turn" } | { type: "end" };

/**
 * Follows the chat's live channel while the page is visible: `onEvent` hears when a turn starts or ends in any tab
 * (or any device) and, on each (re)connection, whether one is running. A hidden page lets go of the channel (an
 * open one keeps the chat's object awake) and catches up when it is shown again. Plain fetch rather than
 * EventSource, so the widget's token header goes along (./liveChannel.ts, loaded when first needed).
 */
export function useLiveChat(
  chatId: string,
  enabled: boolean,
  headers: (() => Record<string, string>) | undefined,
  onEvent: (event: LiveEvent) => void,
): void {
  const handler = useRef(onEvent);
  const headersRef = useRef(headers);
  useEffect(() => {
    handler.current = onEvent;
    headersRef.current = headers;
  });

  useEffect(() => {
    if (!enabled) return;
    let stop: (() => void) | undefined;
    let gone = false;
    void import("./liveChannel").then(({ followLiveChat }) => {
      if (!gone) stop = followLiveChat(chatId, () => headersRef.current?.(), (event) => handler.current(event));
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, [chatId, enabled]);
}
