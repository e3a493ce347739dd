"use client";

import type { ComponentProps } from "react";
import { useChats } from "@/components/sidebar/ChatsProvider";
import { Chat } from "./Chat";
import { ChatHeader } from "./ChatHeader";
import { useModelsContext } from "./ModelsProvider";

/**
 * A chat of the app, not of the widget: with the app's header (the sidebar's toggle, the model picker, New chat) and
 * the sidebar's chat list, which the widget's bundle then does without.
 */
export function AppChat(props: Omit<ComponentProps<typeof Chat>, "header" | "chats" | "embed">) {
  const chats = useChats();
  const models = useModelsContext();
  return (
    <Chat
      {...props}
      chats={chats}
      header={() => (
        <ChatHeader
          models={models.models}
          selected={models.selected}
          onSelectModel={models.select}
          modelsLoadError={models.loadError}
          onNewChat={chats.startNewChat}
        />
      )}
    />
  );
}
