"use client";

import { useRouter } from "next/navigation";
import type { ComponentProps } from "react";

/**
 * A link to a page of the app, followed by the router without a reload: what next/link does for these links, without
 * its 3 KB (gzipped) in the first load. next/link also prefetches the linked pages, which are all dynamic here (so
 * it would fetch little ahead). A click with a modifier key or another button is left to the browser (a new tab).
 */
export function AppLink({ href, onClick, ...props }: ComponentProps<"a"> & { href: string }) {
  const router = useRouter();
  return (
    <a
      href={href}
      {...props}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        router.push(href);
      }}
    />
  );
}
