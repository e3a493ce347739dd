"use client";

import { MenuIcon, SidebarIcon } from "@/components/ui/icons";
import { useSidebar } from "./SidebarState";

/** The header's menu button: opens the drawer on phones, hides or shows the sidebar column on wide screens. */
export function SidebarToggle({ className = "" }: { className?: string }) {
  const { toggle, expanded, isDesktop } = useSidebar();
  const label = isDesktop ? (expanded ? "Hide sidebar" : "Show sidebar") : "Open chats";
  return (
    <button
      type="button"
      data-testid="sidebar-toggle"
      aria-label={label}
      title={label}
      aria-controls="sidebar"
      aria-expanded={expanded}
      onClick={toggle}
      className={`grid size-9 shrink-0 place-items-center rounded-lg text-neutral-600 transition-colors hover:bg-neutral-100 hover:text-neutral-900 dark:text-neutral-300 dark:hover:bg-neutral-800 dark:hover:text-neutral-100 ${className}`}
    >
      <MenuIcon className="size-5 md:hidden" />
      <SidebarIcon className="hidden size-5 md:block" />
    </button>
  );
}
