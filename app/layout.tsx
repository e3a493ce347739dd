import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
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

/** The document around every page; the main app's sidebar lives in app/(app)/layout.tsx, so /embed goes without. */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request, the 404 page included: the worker's CSP (lib/security/csp.ts) lets scripts run
  // only with this request's nonce, which prerendered HTML could not carry.
  await connection();
  return (
    <html lang="en">
      <body>
        {children}
      </body>
    </html>
  );
}
