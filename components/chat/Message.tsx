import { isReasoningUIPart, isTextUIPart, isToolUIPart } from "ai";
import { memo } from "react";
import type { ChatMessage } from "@/lib/chat/types";
import { MessageActions } from "./MessageActions";
import { LazyMarkdown, LazyToolCard } from "./lazy";
import { Reasoning } from "./parts/Reasoning";

function plainText(message: ChatMessage): string {
  return message.parts
    .filter(isTextUIPart)
    .map((part) => part.text)
    .join("\n\n")
    .trim();
}

type MessageProps = {
  message: ChatMessage;
  /** This is the answer being written right now. */
  isStreaming: boolean;
  /** The latest message: only its approval requests can still be answered. */
  isLast: boolean;
  modelLabel: string | undefined;
  /** The model asked first, when it failed and `modelLabel`'s answered instead (a fallback). */
  fallbackFromLabel: string | undefined;
  onRegenerate?: () => void;
};

/** Memoised: while an answer streams, the earlier messages keep their identity and are not re-rendered. */
export const Message = memo(function Message({ message, isStreaming, isLast, modelLabel, fallbackFromLabel, onRegenerate }: MessageProps) {
  if (message.role === "user") {
    return (
      <article data-testid="message-user" aria-label="You said" className="flex justify-end">
        <div className="max-w-[85%] rounded-3xl bg-neutral-100 px-4 py-2.5 break-words whitespace-pre-wrap dark:bg-neutral-800">
          {plainText(message)}
        </div>
      </article>
    );
  }

  return (
    <article
      data-testid="message-assistant"
      data-status={isStreaming ? "streaming" : "done"}
      aria-label="Assistant said"
      aria-busy={isStreaming}
      className="flex min-w-0 flex-col gap-4"
    >
      {message.parts.map((part, index) => {
        if (isTextUIPart(part)) return <LazyMarkdown key={index} text={part.text} />;
        if (isReasoningUIPart(part)) {
          return <Reasoning key={index} part={part} answerEnded={!isStreaming} durationMs={message.metadata?.reasoningMs} />;
        }
        if (isToolUIPart(part)) {
          return <LazyToolCard key={part.toolCallId} part={part} answerEnded={!isStreaming} canRespond={isLast} />;
        }
        // step-start marks a new model step; sources and files are not produced by this app's server.
        return null;
      })}
      {!isStreaming && (
        <MessageActions
          text={plainText(message)}
          metadata={message.metadata}
          modelLabel={modelLabel}
          fallbackFromLabel={fallbackFromLabel}
          onRegenerate={onRegenerate}
        />
      )}
    </article>
  );
});
