import type { ChatStatus } from "ai";
import type { ReactNode } from "react";
import type { ChatMessage } from "@/lib/chat/types";
import { ArrowDownIcon } from "@/components/ui/icons";
import { LazyMessage } from "./lazy";
import type { StickToBottom } from "./useStickToBottom";

type MessageListProps = {
  messages: ChatMessage[];
  status: ChatStatus;
  /** Model id → label, to name the model under each answer. */
  modelLabels: ReadonlyMap<string, string>;
  onRegenerate: () => void;
  scroll: StickToBottom;
  /** Shown instead of messages when the chat is empty. */
  emptyState: ReactNode;
};

/** Three dots while the request is out and no answer has started yet. */
function PendingAnswer() {
  return (
    <div data-testid="pending-indicator" className="flex h-7 items-center gap-1" role="status" aria-label="Waiting for the answer">
      {[0, 150, 300].map((delay) => (
        <span
          key={delay}
          className="size-1.5 animate-pulse rounded-full bg-neutral-400 motion-reduce:animate-none dark:bg-neutral-500"
          style={{ animationDelay: `${delay}ms` }}
        />
      ))}
    </div>
  );
}

export function MessageList({ messages, status, modelLabels, onRegenerate, scroll, emptyState }: MessageListProps) {
  const busy = status === "submitted" || status === "streaming";
  const last = messages.at(-1);
  const { containerRef, contentRef, isAtBottom, scrollToBottom } = scroll;

  return (
    <section aria-label="Conversation" className="relative min-h-0 flex-1">
      <div ref={containerRef} className="h-full overflow-y-auto overscroll-contain">
        <div ref={contentRef} className="mx-auto flex min-h-full w-full max-w-3xl flex-col gap-8 px-4 pt-6 pb-10">
          {messages.length === 0
            ? emptyState
            : messages.map((message) => {
                const isLast = message === last;
                return (
                  <LazyMessage
                    key={message.id}
                    message={message}
                    isStreaming={isLast && busy}
                    isLast={isLast}
                    modelLabel={message.metadata?.model && (modelLabels.get(message.metadata.model) ?? message.metadata.model)}
                    fallbackFromLabel={
                      message.metadata?.fallbackFrom && (modelLabels.get(message.metadata.fallbackFrom) ?? message.metadata.fallbackFrom)
                    }
                    onRegenerate={isLast && !busy ? onRegenerate : undefined}
                  />
                );
              })}
          {busy && last?.role === "user" && <PendingAnswer />}
        </div>
      </div>
      {!isAtBottom && messages.length > 0 && (
        <button
          type="button"
          data-testid="scroll-to-bottom"
          onClick={() => scrollToBottom("smooth")}
          className="absolute bottom-3 left-1/2 inline-flex -translate-x-1/2 items-center gap-1.5 rounded-full border border-neutral-200 bg-white/95 px-3 py-1.5 text-xs font-medium text-neutral-700 shadow-md backdrop-blur hover:bg-neutral-50 dark:border-neutral-700 dark:bg-neutral-900/95 dark:text-neutral-200 dark:hover:bg-neutral-800"
        >
          <ArrowDownIcon className="size-3.5" />
          Jump to latest
        </button>
      )}
    </section>
  );
}
