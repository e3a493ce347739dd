/**
 * A Chromium whose background tabs are really hidden, for the specs that need `document.hidden`. Playwright's own
 * pages are always visible: it turns on focus emulation for each of them, and Chromium keeps such a page visible
 * behind other tabs and in a minimised window. Connected over CDP with `noDefaults`, Playwright leaves the
 * browser's default context as it is: a tab brought to the front hides the others in its window, and minimising a
 * window hides its tab, as for a user (the page gets `visibilitychange`).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";

export type RealTabsBrowser = {
  browser: Browser;
  /**
   * The default context: its tabs and windows share cookies, storage and permissions. Its `newPage()` opens a tab in
   * front of the last window's tab, which is then hidden; `bringToFront()` brings a tab back.
   */
  context: BrowserContext;
  /** A tab in a window of its own: visible beside the other window's tab. */
  newWindow: () => Promise<Page>;
  /** Minimises or restores the window that holds `page`. */
  setMinimized: (page: Page, minimized: boolean) => Promise<void>;
  close: () => Promise<void>;
};

// As playwright.config.ts: Debian's chromium when present, else Playwright's managed browser.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";

export async function launchRealTabsBrowser(): Promise<RealTabsBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "edge-chat-tabs-"));
  const executable = existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : chromium.executablePath();
  const child = spawn(
    executable,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--no-default-browser-check",
      "--window-size=1280,800",
      // Port 0: the browser picks a free one and writes it to DevToolsActivePort, so parallel runs never clash.
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: "ignore" },
  );
  // The profile goes once the browser has exited: until then it may still write to it.
  const ended = new Promise((resolve) => {
    child.once("exit", resolve);
    child.once("error", resolve);
  });
  const cleanUp = async () => {
    child.kill();
    await ended;
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await devToolsEndpoint(join(profile, "DevToolsActivePort"), () => child.exitCode !== null);
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    const context = browser.contexts()[0];
    const cdp = await browser.newBrowserCDPSession();
    return {
      browser,
      context,
      newWindow: async () => {
        const [page] = await Promise.all([
          context.waitForEvent("page"),
          cdp.send("Target.createTarget", { url: "about:blank", newWindow: true }),
        ]);
        return page;
      },
      setMinimized: async (page, minimized) => {
        const session = await context.newCDPSession(page);
        const { windowId } = await session.send("Browser.getWindowForTarget");
        await session.send("Browser.setWindowBounds", { windowId, bounds: { windowState: minimized ? "minimized" : "normal" } });
        await session.detach();
      },
      close: async () => {
        await browser.close().catch(() => {});
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function devToolsEndpoint(file: string, exited: () => boolean): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    // Two lines: the port, then the browser target's path; written once the browser listens.
    const [port, path] = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
    if (port && path) return `ws://127.0.0.1:${port}${path}`;
    if (exited() || Date.now() > deadline) throw new Error("Chromium did not start its DevTools endpoint");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
