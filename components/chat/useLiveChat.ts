import { EventSourceParserStream } from "eventsource-parser/stream";
import { useEffect, useRef } from "react";

/** What the conversation tells open pages (GET /api/chat/[id]/live, lib/chat/conversation-core.ts `listen`). */
export type LiveEvent = { type: "ready"; running: boolean } | { type: "turn" } | { type: "end" };

const RETRY_MS = { first: 1_000, max: 30_000 };

/**
 * Follows the chat's live channel while the page is visible: `onEvent` hears when a turn starts or ends in any tab
 * (or any device) and, on each (re)connection, whether one is running. A hidden page lets go of the channel (an
 * open one keeps the chat's object awake) and catches up when it is shown again. Plain fetch rather than
 * EventSource, so the widget's token header goes along.
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
    let connection: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RETRY_MS.first;
    let closed = false;

    const connect = async () => {
      clearTimeout(timer);
      connection?.abort();
      const current = (connection = new AbortController());
      try {
        const response = await fetch(`/api/chat/${encodeURIComponent(chatId)}/live`, {
          headers: headersRef.current?.(),
          signal: current.signal,
        });
        if (!response.ok || !response.body) throw new Error(`live: HTTP ${response.status}`);
        const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
        for (;;) {
          const { done, value: event } = await events.read();
          if (done) break;
          delay = RETRY_MS.first;
          if (event.event === "ready") handler.current({ type: "ready", running: Boolean(JSON.parse(event.data).running) });
          else if (event.event === "turn" || event.event === "end") handler.current({ type: event.event });
        }
      } catch {
        // Closed, offline, or the chat is not stored yet: try again below.
      }
      if (closed || current.signal.aborted || document.hidden) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, RETRY_MS.max);
    };

    const onVisibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        connection?.abort();
      } else {
        void connect();
      }
    };
    if (!document.hidden) void connect();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      closed = true;
      clearTimeout(timer);
      connection?.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [chatId, enabled]);
}
