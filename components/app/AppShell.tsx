"use client";

import type { ReactNode } from "react";
import type { ChatListResponse } from "@/lib/chat/chat-routes";
import { ModelsProvider } from "@/components/chat/ModelsProvider";
import { ChatsProvider } from "@/components/sidebar/ChatsProvider";
import { Sidebar } from "@/components/sidebar/Sidebar";
import { SidebarStateProvider, useSidebar } from "@/components/sidebar/SidebarState";

/** The page frame around every route: the sidebar and the main column (made inert while the phone drawer is open). */
function Frame({ children }: { children: ReactNode }) {
  const { drawerOpen } = useSidebar();
  return (
    <div className="flex h-dvh overflow-hidden">
      <Sidebar />
      <div inert={drawerOpen} className="flex min-w-0 flex-1 flex-col">
        {children}
      </div>
    </div>
  );
}

export function AppShell({ initialChats, children }: { initialChats: ChatListResponse | null; children: ReactNode }) {
  return (
    <ChatsProvider initial={initialChats}>
      <SidebarStateProvider>
        <ModelsProvider>
          <Frame>{children}</Frame>
        </ModelsProvider>
      </SidebarStateProvider>
    </ChatsProvider>
  );
}
