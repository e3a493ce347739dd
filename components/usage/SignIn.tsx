"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/** The server's message from a failed call (lib/errors.ts shape), or a generic one. */
async function failure(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server could not answer (HTTP ${response.status}).`;
}

const BUTTON =
  "inline-flex h-10 items-center justify-center rounded-lg px-4 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50";

/**
 * The owner's sign-in on /usage: ADMIN_TOKEN for the owner cookie (POST /api/usage/session), then the page is rendered
 * again with it (router.refresh), now as the owner's.
 */
export function SignIn() {
  const router = useRouter();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const response = await fetch("/api/usage/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    }).catch(() => null);
    if (!response?.ok) {
      setBusy(false);
      return setError(response ? await failure(response) : "Could not reach the server.");
    }
    router.refresh();
  };

  return (
    <form onSubmit={submit} data-testid="owner-sign-in" className="mt-6 flex flex-col gap-3">
      <label htmlFor="owner-token" className="text-sm font-medium text-neutral-800 dark:text-neutral-200">
        Password
      </label>
      <input
        id="owner-token"
        data-testid="owner-token"
        type="password"
        autoComplete="current-password"
        required
        value={token}
        onChange={(event) => setToken(event.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error ? "owner-sign-in-error" : undefined}
        className="h-10 w-full rounded-lg border border-neutral-300 bg-white px-3 text-base text-neutral-900 outline-none focus:border-neutral-500 sm:text-sm dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100 dark:focus:border-neutral-400"
      />
      {error && (
        <p id="owner-sign-in-error" role="alert" data-testid="owner-sign-in-error" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <button
        type="submit"
        data-testid="owner-sign-in-submit"
        disabled={busy || !token}
        className={`${BUTTON} bg-neutral-900 text-white hover:bg-neutral-700 dark:bg-neutral-100 dark:text-neutral-900 dark:hover:bg-neutral-300`}
      >
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

/** Ends the owner's sign-in (DELETE /api/usage/session); the page then shows the form again. */
export function SignOut() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    await fetch("/api/usage/session", { method: "DELETE" }).catch(() => null);
    setBusy(false);
    router.refresh();
  };
  return (
    <button
      type="button"
      data-testid="owner-sign-out"
      onClick={() => void signOut()}
      disabled={busy}
      className={`${BUTTON} h-9 border border-neutral-300 text-neutral-700 hover:bg-neutral-100 dark:border-neutral-700 dark:text-neutral-200 dark:hover:bg-neutral-800`}
    >
      Sign out
    </button>
  );
}
