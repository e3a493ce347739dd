/**
 * The page the widget's "Open in edge-chat" opens (./OpenInApp.tsx): its single-use code rides in the fragment, which
 * never reaches a server or a referrer. A module of its own, so the widget does not load that page.
 */
export function openInAppHref(code: string): string {
  return `/embed/open#${new URLSearchParams({ code })}`;
}
