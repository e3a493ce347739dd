"use client";

import { useChat } from "@ai-sdk/react";
import { APICallError, DefaultChatTransport } from "ai";
import { useCallback, useMemo, useRef, useState } from "react";
import type { ChatMessage } from "@/lib/chat/types";
import { ChatHeader } from "./ChatHeader";
import { Composer } from "./Composer";
import { EmptyState } from "./EmptyState";
import { ErrorBanner } from "./ErrorBanner";
import { errorMessage } from "./errorMessage";
import { MessageList } from "./MessageList";
import { useModels } from "./useModels";
import { useStickToBottom } from "./useStickToBottom";

/** The whole chat: conversation state (useChat), the selected model, and the composer's draft. */
export function Chat() {
  const models = useModels();
  const scroll = useStickToBottom();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const [input, setInput] = useState("");
  // Screen readers hear when an answer ends, not every streamed word.
  const [announcement, setAnnouncement] = useState("");
  // The text just sent; it goes back into the composer if the request fails before any answer arrives.
  const sentText = useRef<string | null>(null);

  const [transport] = useState(() => new DefaultChatTransport<ChatMessage>({ api: "/api/chat" }));
  // The model goes with each request (not into the transport, which useChat keeps from the first render),
  // so a change in the picker applies to the very next message or regeneration.
  const requestOptions = useMemo(() => ({ body: { model: models.selectedId } }), [models.selectedId]);

  const { messages, sendMessage, status, stop, regenerate, error, clearError, setMessages } = useChat<ChatMessage>({
    transport,
    throttle: 50,
    onError: (failure) => {
      // An HTTP error or a failed fetch means the server never answered: give the user their text back.
      const text = sentText.current;
      if (text && (APICallError.isInstance(failure) || failure instanceof TypeError)) {
        setInput((current) => current || text);
      }
    },
    onFinish: ({ isAbort, isError }) => {
      if (!isError) setAnnouncement(isAbort ? "Answer stopped." : "Answer complete.");
    },
  });
  const busy = status === "submitted" || status === "streaming";

  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || busy) return;
    sentText.current = text;
    setInput("");
    setAnnouncement("");
    scroll.scrollToBottom();
    void sendMessage({ text: trimmed }, requestOptions);
    inputRef.current?.focus();
  };

  const onRegenerate = useCallback(() => {
    sentText.current = null;
    setAnnouncement("");
    void regenerate(requestOptions);
  }, [regenerate, requestOptions]);

  const retry = () => {
    // Retry re-sends the failed message itself, so drop the copy given back to the composer (unless edited).
    const text = sentText.current;
    setInput((current) => (current === text ? "" : current));
    onRegenerate();
  };

  const newChat = () => {
    void stop();
    setMessages([]);
    clearError();
    setAnnouncement("");
    sentText.current = null;
    inputRef.current?.focus();
  };

  return (
    <div data-testid="chat" data-model={models.selectedId ?? ""} className="flex h-dvh flex-col">
      <ChatHeader
        models={models.models}
        selected={models.selected}
        onSelectModel={models.select}
        modelsLoadError={models.loadError}
        onNewChat={newChat}
      />
      <main className="flex min-h-0 flex-1 flex-col">
        <MessageList
          messages={messages}
          status={status}
          modelLabels={models.labels}
          onRegenerate={onRegenerate}
          scroll={scroll}
          emptyState={<EmptyState onPick={send} />}
        />
        <div className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-4 sm:pb-4">
          {error && <ErrorBanner message={errorMessage(error)} onRetry={retry} onDismiss={clearError} />}
          <Composer
            value={input}
            onChange={setInput}
            onSend={send}
            onStop={() => void stop()}
            busy={busy}
            inputRef={inputRef}
          />
          <p className="mt-2 hidden text-center text-xs text-neutral-400 sm:block dark:text-neutral-500">
            Enter to send · Shift+Enter for a new line · Answers can be wrong
          </p>
        </div>
      </main>
      <div aria-live="polite" className="sr-only">
        {announcement}
      </div>
    </div>
  );
}
