"use client";

import "@/components/app/zodJitless";
import { useChat } from "@ai-sdk/react";
import { APICallError, type ChatTransport } from "ai";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { ChatWithMessagesResponse } from "@/lib/chat/chat-routes";
import { ANSWER_UPDATE_MS } from "@/lib/chat/pacing";
import type { ChatMessage } from "@/lib/chat/types";
import type { Chats } from "@/components/sidebar/ChatsProvider";
import type { EmbedChatOptions } from "@/components/embed/types";
import { shouldSendAutomatically } from "./browserTools";
import { Composer } from "./Composer";
import { EmptyState } from "./EmptyState";
import { LazyErrorBanner, loadErrorMessage, preloadAnswerParts, preloadAnswerPartsWhenIdle } from "./lazy";
import { LazyNotifyToggle, useFinishNotice } from "./finishNotice";
import { MessageList } from "./MessageList";

import { useModelsContext } from "./ModelsProvider";
import { ToolApprovalContext } from "./parts/toolApproval";
import { createTransport, newChatId } from "./transport";
import { useCountdown, type Wait } from "./useCountdown";
import { useLiveChat, type LiveEvent } from "./useLiveChat";
import { useStickToBottom } from "./useStickToBottom";

type ChatProps = {
  /** A stored chat (`/chat/[id]`); absent on "/", where a new id is made here. */
  chatId?: string;
  /** The stored history of `chatId`, from the server render. */
  initialMessages?: ChatMessage[];
  /** Focus the composer on mount (a new chat the user asked for). */
  autoFocus?: boolean;
  /**
   * The header above the conversation, the app's (./AppChat.tsx) or the widget's (components/embed): each page loads
   * only its own. `hasMessages`: the conversation has started.
   */
  header: (state: { chatId: string; hasMessages: boolean }) => ReactNode;
  /** The app's chat list (the sidebar), told when this chat starts, gets a message or a title; the widget has none. */
  chats?: Chats;
  /** The compact variant inside another site's page (app/embed): no sidebar, its own header, token identity. */
  embed?: EmbedChatOptions;
};

/** The URL a chat lives at. */
export function chatPath(id: string): string {
  return `/chat/${encodeURIComponent(id)}`;
}

/**
 * Stops the answer on the server: an answer belongs to the chat's conversation (lib/chat/conversation-core.ts), not
 * to the request reading it, so aborting that request alone only disconnects.
 */
function requestStop(id: string, headers?: Record<string, string>): Promise<void> {
  return fetch(`/api/chat/${encodeURIComponent(id)}/stop`, { method: "POST", headers }).then(
    () => {},
    () => {},
  );
}

/**
 * The transport, with resume requests naming the last message the page was loaded with (`x-chat-known-message`, see
 * lib/chat/conversations.ts): an answer that ended between the page's render and its resume request is then replayed.
 */
function withKnownMessage(transport: ChatTransport<ChatMessage>, knownId: string | undefined): ChatTransport<ChatMessage> {
  const wrapped: ChatTransport<ChatMessage> = Object.create(transport);
  wrapped.reconnectToStream = (options) =>
    transport.reconnectToStream({
      ...options,
      headers: { ...(options.headers as Record<string, string> | undefined), "x-chat-known-message": knownId ?? "" },
    });
  return wrapped;
}

/** Marks how an answer ended when the stream ended early, as the server stores it (the UI shows a mark). */
function withStatus(messages: ChatMessage[], id: string, status: "stopped" | "error"): ChatMessage[] {
  return messages.map((message) =>
    message.id === id && message.role === "assistant"
      ? { ...message, metadata: { ...message.metadata, status } }
      : message,
  );
}

/** One conversation: its state (useChat), the composer's draft, and its entry in the sidebar. */
export function Chat({ chatId, initialMessages, autoFocus = false, header, chats, embed }: ChatProps) {
  const models = useModelsContext();
  const scroll = useStickToBottom();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const [input, setInput] = useState("");
  // Screen readers hear when an answer ends, not every streamed word.
  const [announcement, setAnnouncement] = useState("");
  // The text just sent; it goes back into the composer if the request fails before any answer arrives.
  const sentText = useRef<string | null>(null);
  // The server refused that text before storing it (a rate limit or the daily budget): a retry sends it anew.
  const refusedText = useRef<string | null>(null);
  // How long until a refused request may be tried again (the 429's retryAfter).
  const [wait, setWait] = useState<Wait>();
  const waitSeconds = useCountdown(wait);
  const [id] = useState(() => chatId ?? newChatId());
  const notifyFinish = useFinishNotice(embed ? undefined : chatPath(id));
  // A chat started on "/" is not stored (nor in the sidebar) until its first message.
  const started = useRef(Boolean(chatId));
  // Stored (or being stored): the page follows the chat's live channel.
  const [live, setLive] = useState(Boolean(chatId));

  const [{ transport, setModel }] = useState(() => createTransport(embed?.headers));
  const [chatTransport] = useState(() => withKnownMessage(transport, initialMessages?.at(-1)?.id));
  useEffect(() => setModel(models.selectedId), [models.selectedId, setModel]);

  useEffect(() => {
    if (autoFocus) inputRef.current?.focus();
  }, [autoFocus]);

  // The chat is up: what the first answer needs loads in the background now, not with the answer.
  useEffect(preloadAnswerPartsWhenIdle, []);

  const {
    messages,
    sendMessage,
    status,
    stop,
    regenerate,
    error,
    clearError,
    setMessages,
    resumeStream,
    addToolOutput,
    addToolApprovalResponse,
  } = useChat<ChatMessage>({
    id,
    messages: initialMessages,
    transport: chatTransport,
    // A stored chat picks up the answer still streaming for it (GET /api/chat/<id>/stream), e.g. after a reload.
    resume: Boolean(chatId),
    throttle: ANSWER_UPDATE_MS,
    // Browser tools: the server streams the call, the page answers it. addToolOutput is not awaited: useChat runs
    // this callback inside its stream job and addToolOutput queues behind that job, so awaiting it would deadlock.
    // sendAutomaticallyWhen then sends the result back once the stream has ended.
    onToolCall: ({ toolCall }) => {
      if (toolCall.dynamic) return;
      const { toolCallId } = toolCall;
      if (toolCall.toolName === "getPageContext") {
        // The host page's context as the model asked; fitted to the size limit by code loaded with the first call.
        const context = embed?.pageContext();
        import("@/components/embed/pageContext").then(
          ({ pageContextAnswer }) =>
            void addToolOutput({ tool: "getPageContext", toolCallId, output: pageContextAnswer(context) }),
          () =>
            void addToolOutput({
              tool: "getPageContext",
              toolCallId,
              state: "output-error",
              errorText: "This page's context could not be read.",
            }),
        );
        return;
      }
      if (toolCall.toolName !== "getUserTimezone") return;
      const failed = () =>
        void addToolOutput({
          tool: "getUserTimezone",
          toolCallId,
          state: "output-error",
          errorText: "This browser could not tell its time zone.",
        });
      // Its table of renamed zones loads only when the model asks.
      import("./userTimezone").then(({ readUserTimezone }) => {
        try {
          void addToolOutput({ tool: "getUserTimezone", toolCallId, output: readUserTimezone() });
        } catch {
          failed();
        }
      }, failed);
    },
    sendAutomaticallyWhen: shouldSendAutomatically,
    // The server names the conversation after its first answer (a transient part: it is not kept in the message).
    onData: (part) => {
      if (part.type !== "data-title") return;
      chats?.setTitle(id, part.data.title);
      if (!embed) document.title = `${part.data.title} · edge-chat`;
    },
    onError: (failure) => {
      // An HTTP error or a failed fetch means the server never answered: give the user their text back.
      const text = sentText.current;
      if (text && (APICallError.isInstance(failure) || failure instanceof TypeError)) {
        setInput((current) => current || text);
      }
      // The error's details are read by code that comes with the error banner (preloaded once the page was idle).
      void loadErrorMessage().then(({ errorDetails, TURN_CONFLICT_CODE }) => {
        const { retryAfter, code } = errorDetails(failure);
        setWait(retryAfter === undefined ? undefined : { seconds: retryAfter });
        // Refused before anything was stored: a limit, or another answer still being written in this chat.
        if (text && (retryAfter !== undefined || code === TURN_CONFLICT_CODE)) unsend(text);
      });
    },
    onFinish: (finish) => {
      const { message, isAbort, isError } = finish;
      notifyFinish(finish);
      embed?.onEvent("answer-finished", { chatId: id, status: isAbort ? "stopped" : isError ? "error" : "done" });
      if (!isError) setAnnouncement(isAbort ? "Answer stopped." : "Answer complete.");
      // Mark an answer cut short now, as it will be marked when the chat is loaded again.
      if ((isAbort || isError) && message.role === "assistant" && message.parts.length > 0) {
        setMessages((current) => withStatus(current, message.id, isAbort ? "stopped" : "error"));
      }
    },
  });
  const busy = status === "submitted" || status === "streaming";
  const busyRef = useRef(busy);
  useEffect(() => {
    busyRef.current = busy;
  });

  /** Another tab (or device) asked something here: show its question, then follow its answer live. */
  const catchUp = async (running: boolean) => {
    const response = await fetch(`/api/chats/${encodeURIComponent(id)}`, { headers: embed?.headers() }).catch(() => undefined);
    if (!response?.ok || busyRef.current) return;
    const { messages: stored } = (await response.json()) as ChatWithMessagesResponse;
    if (busyRef.current) return;
    setMessages(stored);
    if (running) void resumeStream();
  };
  // The first `ready` comes with the page as it was loaded (its own resume covers a running answer); later ones
  // follow a reconnection, after which the page may have missed turns.
  const connectedBefore = useRef(false);
  useLiveChat(id, live, embed?.headers, (event: LiveEvent) => {
    if (event.type === "ready") {
      const missed = connectedBefore.current;
      connectedBefore.current = true;
      if (missed && !busyRef.current) void catchUp(event.running);
    } else if (event.type === "turn" && !busyRef.current) {
      void catchUp(true);
    }
  });

  /** Takes back a message the server refused before storing it: it lives in the composer only until sent again. */
  const unsend = (text: string) => {
    refusedText.current = text;
    const current = messagesRef.current;
    const rest = current.at(-1)?.role === "user" ? current.slice(0, -1) : current;
    setMessages(rest);
    if (rest.length === 0 && !chatId && started.current) {
      // The chat itself was never stored: back to a new chat, off the sidebar.
      started.current = false;
      if (!embed) window.history.replaceState(null, "", "/");
      chats?.forgetChat(id);
    }
  };

  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed || busy) return;
    sentText.current = text;
    refusedText.current = null;
    setInput("");
    setAnnouncement("");
    scroll.scrollToBottom();
    if (!started.current) {
      // The first message stores the chat: give it its own URL without a navigation (this component, and the
      // stream about to start, stay as they are) and list it in the sidebar.
      started.current = true;
      setLive(true);
      if (!embed) window.history.replaceState(null, "", chatPath(id));
      chats?.addChat(id, trimmed);
    } else {
      chats?.touchChat(id);
    }
    embed?.onEvent("message-sent", { chatId: id });
    // Loaded once the page was idle, as a rule; a message sent before that starts them now, alongside the request.
    preloadAnswerParts();
    void sendMessage({ text: trimmed });
    inputRef.current?.focus();
  };

  // The latest messages for stable callbacks (the memoised messages keep their props while an answer streams).
  const messagesRef = useRef(messages);
  useEffect(() => {
    messagesRef.current = messages;
  });

  const onRegenerate = useCallback(() => {
    sentText.current = null;
    setAnnouncement("");
    // Name the message to answer again: the answer being replaced, or (after a request that failed before any
    // answer) the user's message, which the server has already stored.
    const last = messagesRef.current.at(-1);
    void regenerate(last ? { messageId: last.id } : undefined);
  }, [regenerate]);

  const retry = () => {
    const refused = refusedText.current;
    if (refused) {
      refusedText.current = null;
      send(refused);
      return;
    }
    // Retry re-sends the failed message itself, so drop the copy given back to the composer (unless edited).
    const text = sentText.current;
    setInput((current) => (current === text ? "" : current));
    onRegenerate();
  };

  return (
    <div data-testid="chat" data-model={models.selectedId ?? ""} className="flex min-h-0 flex-1 flex-col">
      {header({ chatId: id, hasMessages: messages.length > 0 })}
      <main className="flex min-h-0 flex-1 flex-col">
        <ToolApprovalContext value={addToolApprovalResponse}>
          <MessageList
            messages={messages}
            status={status}
            modelLabels={models.labels}
            onRegenerate={onRegenerate}
            scroll={scroll}
            emptyState={<EmptyState onPick={send} welcome={embed?.welcome} prompts={embed?.prompts} />}
          />
        </ToolApprovalContext>
        <div className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-4 sm:pb-4">
          {error && (
            <LazyErrorBanner
              error={error}
              waitSeconds={wait ? waitSeconds : undefined}
              onRetry={retry}
              onDismiss={clearError}
              onStopOther={() => void requestStop(id, embed?.headers()).then(clearError)}
            />
          )}
          <Composer
            value={input}
            onChange={setInput}
            onSend={send}
            onStop={() => {
              void requestStop(id, embed?.headers());
              void stop();
            }}
            busy={busy}
            waiting={Boolean(error) && waitSeconds > 0}
            inputRef={inputRef}
          />
          {!embed && (
            <div className="flex flex-wrap items-center justify-center gap-x-3 text-xs text-neutral-400 dark:text-neutral-500">
              <p className="mt-1 hidden py-1 text-center sm:block">Enter to send · Shift+Enter for a new line · Answers can be wrong</p>
              {messages.length > 0 && <LazyNotifyToggle />}
            </div>
          )}
        </div>
      </main>
      <div aria-live="polite" className="sr-only">
        {announcement}
      </div>
    </div>
  );
}
