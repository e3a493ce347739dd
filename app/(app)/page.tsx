import { NewChat } from "@/components/chat/NewChat";

export default function Home() {
  return <NewChat />;
}
