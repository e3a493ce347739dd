"use client";

import { useChat } from "@ai-sdk/react";
import { APICallError, DefaultChatTransport } from "ai";
import { useCallback, useEffect, useRef, useState } from "react";
import type { ChatMessage } from "@/lib/chat/types";
import { readUserTimezone, shouldSendAutomatically } from "./browserTools";
import { ChatHeader } from "./ChatHeader";
import { Composer } from "./Composer";
import { EmptyState } from "./EmptyState";
import { ErrorBanner } from "./ErrorBanner";
import { errorMessage } from "./errorMessage";
import { MessageList } from "./MessageList";
import { ToolApprovalContext } from "./parts/toolApproval";
import { useModels } from "./useModels";
import { useStickToBottom } from "./useStickToBottom";

/**
 * The chat transport, which reads the selected model as each request goes out, so every request carries it: the
 * user's sends and regenerations, and also the automatic follow-ups after a browser tool's output or an approval,
 * which useChat sends without per-call options. A change in the picker applies to the very next request.
 */
function createTransport() {
  let model: string | undefined;
  return {
    transport: new DefaultChatTransport<ChatMessage>({ api: "/api/chat", body: () => ({ model }) }),
    setModel: (modelId: string | undefined) => {
      model = modelId;
    },
  };
}

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

  const [{ transport, setModel }] = useState(createTransport);
  useEffect(() => setModel(models.selectedId), [models.selectedId, setModel]);

  const {
    messages,
    sendMessage,
    status,
    stop,
    regenerate,
    error,
    clearError,
    setMessages,
    addToolOutput,
    addToolApprovalResponse,
  } = useChat<ChatMessage>({
    transport,
    throttle: 50,
    // Browser tools: the server streams the call, the page answers it. addToolOutput is not awaited: useChat runs
    // this callback inside its stream job and addToolOutput queues behind that job, so awaiting it would deadlock.
    // sendAutomaticallyWhen then sends the result back once the stream has ended.
    onToolCall: ({ toolCall }) => {
      if (toolCall.dynamic || toolCall.toolName !== "getUserTimezone") return;
      const { toolCallId } = toolCall;
      try {
        void addToolOutput({ tool: "getUserTimezone", toolCallId, output: readUserTimezone() });
      } catch {
        void addToolOutput({
          tool: "getUserTimezone",
          toolCallId,
          state: "output-error",
          errorText: "This browser could not tell its time zone.",
        });
      }
    },
    sendAutomaticallyWhen: shouldSendAutomatically,
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
    void sendMessage({ text: trimmed });
    inputRef.current?.focus();
  };

  const onRegenerate = useCallback(() => {
    sentText.current = null;
    setAnnouncement("");
    void regenerate();
  }, [regenerate]);

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
        <ToolApprovalContext value={addToolApprovalResponse}>
          <MessageList
            messages={messages}
            status={status}
            modelLabels={models.labels}
            onRegenerate={onRegenerate}
            scroll={scroll}
            emptyState={<EmptyState onPick={send} />}
          />
        </ToolApprovalContext>
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
