"use client";

import { useChats } from "@/components/sidebar/ChatsProvider";
import { AppChat } from "./AppChat";

/**
 * The chat on "/": a fresh conversation with an id made in the browser. Keyed on `newChatKey`, so New chat always
 * starts empty, even when the router keeps this page mounted (after the first message moved the URL to /chat/<id>
 * with replaceState, the router still holds this page).
 */
export function NewChat() {
  const { newChatKey } = useChats();
  return <AppChat key={newChatKey} autoFocus={newChatKey > 0} />;
}
