"use client";

import { useEffect, useState } from "react";
import { errorDetails } from "@/components/chat/errorMessage";
import { AppLink } from "@/components/ui/AppLink";
import type { HandoffResponse } from "@/lib/embed/handoff";

/**
 * A first-party tab (this app's own origin, its cookie) opening a copy of a conversation started in the widget: it
 * redeems the code (in the fragment: ./openInAppHref.ts) at /api/embed/handoff/redeem, then goes to the copy. The
 * fragment is wiped first, so the code does not stay in the address bar or the history.
 */
export function OpenInApp() {
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    const params = new URLSearchParams(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
    const code = params.get("code");
    if (!code) {
      // A reload after the fragment was wiped lands here too: nothing to take over.
      window.location.replace("/");
      return;
    }
    fetch("/api/embed/handoff/redeem", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
    })
      .then(async (response) => {
        if (!response.ok) throw new Error(await response.text());
        const { path } = (await response.json()) as HandoffResponse;
        window.location.replace(path);
      })
      .catch((error: Error) => setFailure(errorDetails(error).message));
  }, []);

  return (
    <main className="grid min-h-dvh place-items-center p-6 text-center">
      {failure ? (
        <div role="alert" className="max-w-sm space-y-3">
          <p className="text-sm text-neutral-700 dark:text-neutral-200">{failure}</p>
          <AppLink href="/" className="text-sm font-medium underline underline-offset-2">
            Go to edge-chat
          </AppLink>
        </div>
      ) : (
        <p role="status" className="text-sm text-neutral-500">
          Opening your conversation…
        </p>
      )}
    </main>
  );
}
