import type { Metadata } from "next";
import { OpenInApp } from "@/components/embed/OpenInApp";

export const metadata: Metadata = { title: "Opening your chat", robots: { index: false } };

/** "Open in edge-chat" from the widget lands here, in its own tab (components/embed/OpenInApp.tsx). */
export default function OpenEmbeddedChatPage() {
  return <OpenInApp />;
}
