/**
 * Starts the fake OpenAI upstream inside the Playwright runner (which compiles TypeScript, so the vitest suite's
 * fake in tests/support/ is reused as is). Playwright starts the webServers before global setup; that is fine: the
 * worker only calls the upstream when a test sends a prompt to `openai:gpt-fake`.
 */
import { startE2EUpstream } from "../support/e2e-fake-upstream";
import { FOREIGN_PAGE_PORT, HOST_PAGE_PORT, UPSTREAM_PORT, UPSTREAM_URL } from "../support/e2e-env";
import { startHostPages } from "../support/e2e-host-page";

async function isOurUpstream(): Promise<boolean> {
  try {
    const response = await fetch(`${UPSTREAM_URL}/__e2e/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && ((await response.json()) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

export default async function globalSetup() {
  // The embed specs' host pages on two other origins (one allowed, one not); reused when another run serves them.
  const hostPages = await startHostPages([HOST_PAGE_PORT, FOREIGN_PAGE_PORT]);
  try {
    const upstream = await startE2EUpstream({ port: UPSTREAM_PORT });
    return async () => {
      await upstream.close();
      await hostPages.close();
    };
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    // Locally, like reuseExistingServer: another run's fake upstream on the port is fine (prompts carry nonces).
    if (inUse && !process.env.CI && (await isOurUpstream())) return () => hostPages.close();
    await hostPages.close();
    throw new Error(
      inUse
        ? `Port ${UPSTREAM_PORT} (fake OpenAI upstream) is in use by something else. Free it or set E2E_UPSTREAM_PORT.`
        : `Could not start the fake OpenAI upstream: ${String(error)}`,
      { cause: error },
    );
  }
}
