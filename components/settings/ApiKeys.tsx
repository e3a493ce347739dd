"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import type { ApiKeyCreatedResponse, ApiKeyListResponse } from "@/lib/api/key-routes";
import type { ApiKeySummary } from "@/lib/db/api-keys";
import { CopyButton } from "@/components/ui/CopyButton";
import { TrashIcon } from "@/components/ui/icons";

/** The server's message from a failed call (lib/errors.ts shape), or a generic one. */
async function failure(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server could not answer (HTTP ${response.status}).`;
}

/** The page's origin never changes while it is open. */
const noChanges = () => () => {};

const BUTTON =
  "inline-flex h-9 items-center justify-center gap-1.5 rounded-lg px-3 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-50";

/** /settings/keys: the visitor's keys for the OpenAI-compatible API (/v1): make one (shown once), delete one. */
export function ApiKeys() {
  const [keys, setKeys] = useState<ApiKeySummary[] | null>(null);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<ApiKeyCreatedResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Known in the browser only (the server render says /v1).
  const baseUrl = useSyncExternalStore(noChanges, () => `${window.location.origin}/v1`, () => "/v1");

  useEffect(() => {
    void fetch("/api/keys").then(async (response) => {
      if (!response.ok) return setError(await failure(response));
      setKeys(((await response.json()) as ApiKeyListResponse).keys);
    });
  }, []);

  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const response = await fetch("/api/keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    }).catch(() => null);
    setBusy(false);
    if (!response?.ok) return setError(response ? await failure(response) : "Could not reach the server.");
    const body = (await response.json()) as ApiKeyCreatedResponse;
    setCreated(body);
    setKeys((current) => [body.apiKey, ...(current ?? [])]);
    setName("");
  };

  const remove = async (key: ApiKeySummary) => {
    setError(null);
    const response = await fetch(`/api/keys/${encodeURIComponent(key.id)}`, { method: "DELETE" }).catch(() => null);
    if (!response?.ok) return setError(response ? await failure(response) : "Could not reach the server.");
    setKeys((current) => (current ?? []).filter((candidate) => candidate.id !== key.id));
    if (created?.apiKey.id === key.id) setCreated(null);
  };

  return (
    <main className="mx-auto w-full max-w-2xl flex-1 overflow-y-auto px-4 py-8">
      <h1 className="text-xl font-semibold text-neutral-900 dark:text-neutral-50">API keys</h1>
      <p className="mt-2 text-sm text-neutral-600 dark:text-neutral-400">
        Any OpenAI client can use this chat&apos;s models at <code className="font-mono">/v1</code> with a key:
        base URL <code className="font-mono">{baseUrl}</code>,
        models as listed by <code className="font-mono">GET /v1/models</code>. A key is shown once, when it is made.
      </p>

      <form onSubmit={create} className="mt-6 flex gap-2">
        <label className="sr-only" htmlFor="key-name">
          Name of the new key
        </label>
        <input
          id="key-name"
          data-testid="key-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={60}
          placeholder="What is it for? e.g. my script"
          className="h-9 min-w-0 flex-1 rounded-lg border border-neutral-300 bg-white px-3 text-sm text-neutral-900 outline-none focus:border-neutral-500 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-100"
        />
        <button
          type="submit"
          data-testid="create-key"
          disabled={busy || !name.trim()}
          className={`${BUTTON} bg-neutral-900 text-white hover:bg-neutral-700 dark:bg-neutral-100 dark:text-neutral-900 dark:hover:bg-neutral-300`}
        >
          Create key
        </button>
      </form>

      {error && (
        <p role="alert" data-testid="keys-error" className="mt-3 text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}

      {created && (
        <div data-testid="new-key" className="mt-4 rounded-xl border border-amber-200 bg-amber-50 p-3 text-sm dark:border-amber-900/60 dark:bg-amber-950/40">
          <p className="font-medium text-amber-950 dark:text-amber-50">Copy your new key now: it will not be shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="new-key-value" className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all dark:bg-neutral-900">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy the key" testId="copy-key" className="text-amber-900 hover:bg-amber-100 dark:text-amber-100 dark:hover:bg-amber-900/60" />
          </div>
        </div>
      )}

      <ul data-testid="keys" className="mt-6 divide-y divide-neutral-200 dark:divide-neutral-800">
        {keys?.length === 0 && <li className="py-3 text-sm text-neutral-500">No keys yet.</li>}
        {keys?.map((key) => (
          <li key={key.id} data-testid="key" className="flex items-center gap-3 py-3">
            <div className="min-w-0 flex-1">
              <p className="truncate text-sm font-medium text-neutral-900 dark:text-neutral-100">{key.name}</p>
              <p className="text-xs text-neutral-500">
                <code className="font-mono">{key.preview}</code> · made {new Date(key.createdAt).toLocaleDateString()} ·{" "}
                <span data-testid="key-usage">{key.tokensToday.toLocaleString("en-US")} tokens today</span>
              </p>
            </div>
            <button
              type="button"
              data-testid="delete-key"
              onClick={() => void remove(key)}
              aria-label={`Delete the key ${key.name}`}
              className={`${BUTTON} text-neutral-600 hover:bg-red-50 hover:text-red-700 dark:text-neutral-300 dark:hover:bg-red-950/50`}
            >
              <TrashIcon className="size-4" />
              Delete
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
