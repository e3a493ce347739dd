import { EventSourceParserStream } from "eventsource-parser/stream";
import type { LiveEvent } from "./useLiveChat";

const RETRY_MS = { first: 1_000, max: 30_000 };

/**
 * Follows GET /api/chat/[id]/live while the page is visible (see useLiveChat); returns what stops it. Loaded after
 * the first paint: an open chat needs it only once it is on screen.
 */
export function followLiveChat(
  chatId: string,
  headers: (() => Record<string, string> | undefined) | undefined,
  onEvent: (event: LiveEvent) => void,
): () => void {
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
        headers: headers?.(),
        signal: current.signal,
      });
      if (!response.ok || !response.body) throw new Error(`live: HTTP ${response.status}`);
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
      for (;;) {
        const { done, value: event } = await events.read();
        if (done) break;
        delay = RETRY_MS.first;
        if (event.event === "ready") onEvent({ type: "ready", running: Boolean(JSON.parse(event.data).running) });
        else if (event.event === "turn" || event.event === "end") onEvent({ type: event.event });
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
}
