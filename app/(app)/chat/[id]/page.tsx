import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AppChat } from "@/components/chat/AppChat";
import { loadChat } from "@/lib/chat/page-data";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const loaded = await loadChat((await params).id);
  return { title: loaded ? loaded.chat.title || "New chat" : "Chat not found" };
}

/** A stored conversation: its history from D1, then the chat goes on from there. Another visitor's chat is a 404. */
export default async function ChatPage({ params }: Props) {
  const { id } = await params;
  const loaded = await loadChat(id);
  if (!loaded) notFound();
  return <AppChat key={id} chatId={id} initialMessages={loaded.messages} />;
}
