import { Chat } from "@/components/chat/Chat";

export default function Home() {
  return <Chat />;
}
