import type { Metadata, Viewport } from "next";
import { AppShell } from "@/components/app/AppShell";
import { loadSidebarChats } from "@/lib/chat/page-data";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "edge-chat", template: "%s · edge-chat" },
  description: "A streaming AI chat that runs on Cloudflare Workers.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#0a0a0a" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // The sidebar's first page, read with the visitor's cookie (null when the database cannot be read: the sidebar
  // then asks /api/chats).
  const initialChats = await loadSidebarChats();
  return (
    <html lang="en">
      <body>
        <AppShell initialChats={initialChats}>{children}</AppShell>
      </body>
    </html>
  );
}
