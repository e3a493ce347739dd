"use client";

import { usePathname } from "next/navigation";
import {
  createContext,
  use,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";

/** Tailwind's `md`: from here up the sidebar is a column beside the chat, below it a drawer over it. */
const DESKTOP_QUERY = "(min-width: 48rem)";
const COLLAPSED_KEY = "edge-chat:sidebar-collapsed";

function subscribeDesktop(onChange: () => void) {
  const query = window.matchMedia(DESKTOP_QUERY);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

/** True on a wide screen. The server (and hydration) assume a wide screen; CSS does the layout either way. */
function useIsDesktop(): boolean {
  return useSyncExternalStore(
    subscribeDesktop,
    () => window.matchMedia(DESKTOP_QUERY).matches,
    () => true,
  );
}

export type SidebarState = {
  isDesktop: boolean;
  /** Wide screens: the user hid the sidebar. */
  collapsed: boolean;
  /** Narrow screens: the drawer is open. */
  drawerOpen: boolean;
  /** Whether the sidebar can be seen right now (what the toggle's aria-expanded says). */
  expanded: boolean;
  /** The header's menu button: hides/shows the column on wide screens, opens/closes the drawer on narrow ones. */
  toggle: () => void;
  closeDrawer: () => void;
};

const SidebarContext = createContext<SidebarState | null>(null);

export function SidebarStateProvider({ children }: { children: ReactNode }) {
  const isDesktop = useIsDesktop();
  const [collapsed, setCollapsed] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const pathname = usePathname();
  // Where focus was when the drawer opened (the menu button): it goes back there when the drawer closes.
  const returnFocus = useRef<HTMLElement | null>(null);

  useEffect(() => {
    // A stored preference; read after hydration so the server render and the first client render agree.
    // eslint-disable-next-line react-hooks/set-state-in-effect -- syncing from localStorage, an external store
    if (localStorage.getItem(COLLAPSED_KEY) === "1") setCollapsed(true);
  }, []);

  const closeDrawer = useCallback(() => {
    const target = returnFocus.current;
    returnFocus.current = null;
    setDrawerOpen(false);
    // After React has re-rendered: focus cannot move into content that is still inert.
    if (target) requestAnimationFrame(() => target.isConnected && target.focus());
  }, []);

  const toggle = useCallback(() => {
    if (isDesktop) {
      setCollapsed((value) => {
        localStorage.setItem(COLLAPSED_KEY, value ? "0" : "1");
        return !value;
      });
    } else if (drawerOpen) {
      closeDrawer();
    } else {
      returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setDrawerOpen(true);
    }
  }, [isDesktop, drawerOpen, closeDrawer]);

  // Navigating (picking a chat, New chat) closes the drawer, and so does growing into a wide screen.
  useEffect(() => {
    returnFocus.current = null;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the drawer follows the route and the screen size
    setDrawerOpen(false);
  }, [pathname, isDesktop]);

  const value = useMemo<SidebarState>(
    () => ({
      isDesktop,
      collapsed,
      drawerOpen: drawerOpen && !isDesktop,
      expanded: isDesktop ? !collapsed : drawerOpen,
      toggle,
      closeDrawer,
    }),
    [isDesktop, collapsed, drawerOpen, toggle, closeDrawer],
  );
  return <SidebarContext value={value}>{children}</SidebarContext>;
}

export function useSidebar(): SidebarState {
  const state = use(SidebarContext);
  if (!state) throw new Error("useSidebar: wrap the app in <SidebarStateProvider>");
  return state;
}
