import { AppShell } from "@/components/app/AppShell";
import { loadSidebarChats } from "@/lib/chat/page-data";

/** The main app's frame: the sidebar and the chat column (the embedded widget, app/embed, has neither). */
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  // The sidebar's first page, read with the visitor's cookie (null when the database cannot be read: the sidebar
  // then asks /api/chats).
  const initialChats = await loadSidebarChats();
  return <AppShell initialChats={initialChats}>{children}</AppShell>;
}
