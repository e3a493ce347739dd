import { test as base, expect, type Page } from "@playwright/test";
import { randomClientIp } from "./fixtures";
import { ChatPage } from "./pages/chat-page";
import { launchRealTabsBrowser, type RealTabsBrowser } from "../support/real-tabs-browser";
import { WORKER_URL } from "../support/e2e-env";

/**
 * Finish notifications (components/chat/notify.ts): an answer that ends while its tab is hidden marks the tab's title
 * and, once the user turned them on under the composer, shows a notification that leads back to the chat. In a
 * Chromium whose background tabs are really hidden (tests/support/real-tabs-browser.ts), with the page's
 * `Notification` recorded (the real one still decides the permission).
 */

type NotificationLog = {
  shown: { title: string; body: string; tag: string; closed: boolean }[];
  /** Notification.requestPermission() calls. */
  requests: number;
  /** window.focus() calls. */
  focused: number;
};
type RecordingWindow = { notificationLog: NotificationLog; recordedNotifications: Notification[] };

/** Runs in the page before its scripts: records every notification, permission request and focus. */
function recordNotifications() {
  const log: NotificationLog = { shown: [], requests: 0, focused: 0 };
  const instances: Notification[] = [];
  const Real = window.Notification;
  class Recording extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      const entry = { title, body: options?.body ?? "", tag: options?.tag ?? "", closed: false };
      log.shown.push(entry);
      instances.push(this);
      const close = this.close.bind(this);
      this.close = () => {
        entry.closed = true;
        close();
      };
    }
    static requestPermission() {
      log.requests += 1;
      return Real.requestPermission();
    }
  }
  window.Notification = Recording;
  const focus = window.focus.bind(window);
  window.focus = () => {
    log.focused += 1;
    focus();
  };
  Object.assign(window, { notificationLog: log, recordedNotifications: instances } satisfies RecordingWindow);
}

const notificationLog = (page: Page) => page.evaluate(() => (window as unknown as RecordingWindow).notificationLog);
const isHidden = (page: Page) => page.evaluate(() => document.hidden);

/**
 * The browser for one test, as ./fixtures.ts sets up the others: a client address of its own, and uncaught errors in
 * any of its pages fail the test. Every page records its notifications.
 */
const test = base.extend<{ tabs: RealTabsBrowser }>({
  tabs: async ({}, provide) => {
    const tabs = await launchRealTabsBrowser();
    const ip = randomClientIp();
    await tabs.context.route(`${WORKER_URL}/**`, (route) =>
      route.continue({ headers: { ...route.request().headers(), "cf-connecting-ip": ip } }),
    );
    await tabs.context.addInitScript(recordNotifications);
    const pageErrors: string[] = [];
    const watch = (page: Page) => page.on("pageerror", (error) => pageErrors.push(`${error.name}: ${error.message}`));
    tabs.context.pages().forEach(watch);
    tabs.context.on("page", watch);
    await provide(tabs);
    await tabs.close();
    expect(pageErrors, "uncaught errors in the page").toEqual([]);
  },
});

/** Opens `path` on the worker in `page` and waits until the chat is usable (as ChatPage.open does). */
async function openChat(page: Page, path: string): Promise<ChatPage> {
  await page.goto(`${WORKER_URL}${path}`);
  const chat = new ChatPage(page);
  await expect(chat.root).toHaveAttribute("data-model", /\S/);
  return chat;
}

const toggleOf = (page: Page) => page.getByRole("switch", { name: /Notify me when answers finish/ });

test.describe("finish notifications", () => {
  test.describe.configure({ timeout: 90_000 });

  test("an answer that ends in a hidden tab marks its title and notifies; the notification leads back to the chat", async ({
    tabs,
  }) => {
    await tabs.context.grantPermissions(["notifications"], { origin: WORKER_URL });
    const page = tabs.context.pages()[0];
    const chat = await openChat(page, "/");
    // Nothing to offer on an empty chat.
    await expect(page.getByTestId("notify-toggle")).toHaveCount(0);

    await chat.send("Hello there");
    await chat.expectAnswered();
    const id = await chat.chatIdFromUrl();
    const toggle = toggleOf(page);
    await expect(toggle).toHaveAttribute("aria-checked", "false");
    expect(await notificationLog(page)).toEqual({ shown: [], requests: 0, focused: 0 });

    // The permission is asked for on the click, and the choice is kept: a reload asks nothing.
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "true");
    expect((await notificationLog(page)).requests).toBe(1);
    await page.reload();
    await expect(chat.root).toHaveAttribute("data-model", /\S/);
    await expect(toggle).toHaveAttribute("aria-checked", "true");
    expect((await notificationLog(page)).requests).toBe(0);

    // An answer seen as it ends is no news.
    const title = await page.title();
    const chatTitle = await chat.chatItem(id).getByRole("link").textContent();
    expect(title).toBe(`${chatTitle} · edge-chat`);
    await chat.send("Say something short");
    await chat.expectAnswered(chat.assistantMessages.nth(1));
    expect((await notificationLog(page)).shown).toEqual([]);
    expect(await page.title()).toBe(title);

    // Another tab in front while the next answer is written: this one is hidden.
    await chat.send("Explain streaming briefly");
    const other = await tabs.context.newPage();
    expect(await isHidden(page)).toBe(true);
    await expect.poll(async () => (await notificationLog(page)).shown.length, { timeout: 20_000 }).toBe(1);
    expect(await page.title()).toBe(`● Answer ready · ${title}`);
    const [shown] = (await notificationLog(page)).shown;
    // The answer as the page shows it, its markdown rendered.
    const answerText = (await chat.text(chat.assistantMessages.nth(2))).replace(/\s+/g, " ").trim();
    expect(shown).toEqual({ title: chatTitle, body: expect.stringMatching(/^Demo model\. This answer comes from .+…$/), tag: `/chat/${id}`, closed: false });
    expect(answerText.startsWith(shown.body.slice(0, -1))).toBe(true);
    expect(shown.body.length).toBeLessThanOrEqual(160);

    // Seen again: the title is the chat's.
    await page.bringToFront();
    expect(await isHidden(page)).toBe(false);
    await expect(page).toHaveTitle(title);

    // Moved on to a new chat, then away; the notification still leads to its chat.
    await page.getByTestId("new-chat-button").click();
    await expect(page).toHaveURL(`${WORKER_URL}/`);
    await other.bringToFront();
    expect(await isHidden(page)).toBe(true);
    await page.evaluate(() => (window as unknown as RecordingWindow).recordedNotifications[0].dispatchEvent(new Event("click")));
    await expect.poll(() => page.url()).toBe(`${WORKER_URL}/chat/${id}`);
    expect(await notificationLog(page)).toMatchObject({ focused: 1, shown: [{ closed: true }] });
    await page.bringToFront();
    await expect(chat.assistantMessages).toHaveCount(3);
    await expect(chat.textOf(chat.assistantMessages.nth(2))).toContainText("You asked: Explain streaming briefly");
  });

  test("turned off by the same switch: the title still tells, no notification, and only the click asked", async ({ tabs }) => {
    await tabs.context.grantPermissions(["notifications"], { origin: WORKER_URL });
    const page = tabs.context.pages()[0];
    const chat = await openChat(page, "/");
    await chat.send("Hello there");
    await chat.expectAnswered();
    const toggle = toggleOf(page);
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "true");
    await toggle.press("Space");
    await expect(toggle).toHaveAttribute("aria-checked", "false");

    const title = await page.title();
    await chat.send("Explain streaming briefly");
    await tabs.context.newPage();
    expect(await isHidden(page)).toBe(true);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe(`● Answer ready · ${title}`);
    expect(await page.locator('[data-testid="message-assistant"]').last().getAttribute("data-status")).toBe("done");
    expect(await notificationLog(page)).toEqual({ shown: [], requests: 1, focused: 0 });
  });

  test("blocked for the site: the switch says so and never asks", async ({ tabs }) => {
    const cdp = await tabs.browser.newBrowserCDPSession();
    await cdp.send("Browser.setPermission", { permission: { name: "notifications" }, setting: "denied", origin: WORKER_URL });
    const page = tabs.context.pages()[0];
    const chat = await openChat(page, "/");
    await chat.send("Hello there");
    await chat.expectAnswered();
    const toggle = page.getByRole("switch", { name: "Notifications blocked in this site’s settings" });
    await expect(toggle).toHaveAttribute("aria-disabled", "true");
    // Still focusable (aria-disabled, not disabled), so a keyboard user hears why; pressing it asks nothing.
    await toggle.press("Enter");
    await expect(toggle).toBeFocused();
    await expect(toggle).toHaveAttribute("aria-checked", "false");
    expect(await notificationLog(page)).toEqual({ shown: [], requests: 0, focused: 0 });
  });

  test("an answer followed live in another window notifies there once that window is hidden", async ({ tabs }) => {
    await tabs.context.grantPermissions(["notifications"], { origin: WORKER_URL });
    const asking = tabs.context.pages()[0];
    const chat = await openChat(asking, "/");
    await chat.send("Hello there");
    await chat.expectAnswered();
    const id = await chat.chatIdFromUrl();
    await toggleOf(asking).click();
    await expect(toggleOf(asking)).toHaveAttribute("aria-checked", "true");

    // The same chat in a second window, beside the first: it follows the next answer live.
    const following = await tabs.newWindow();
    const follower = await openChat(following, `/chat/${id}`);
    await expect(follower.assistantMessages).toHaveCount(1);
    await chat.send("Tell me a long story about rivers");
    await expect(follower.textOf(follower.assistantMessages.nth(1))).toContainText("Demo model");
    await tabs.setMinimized(following, true);
    expect(await isHidden(following)).toBe(true);
    expect(await isHidden(asking)).toBe(false);

    await chat.expectAnswered(chat.assistantMessages.nth(1), 30_000);
    await expect.poll(async () => (await notificationLog(following)).shown.length, { timeout: 10_000 }).toBe(1);
    expect((await notificationLog(following)).shown[0]).toMatchObject({ tag: `/chat/${id}`, body: expect.stringMatching(/^Demo model\./) });
    expect(await following.title()).toMatch(/^● Answer ready · /);
    // The window in which the answer was seen has nothing to tell.
    expect((await notificationLog(asking)).shown).toEqual([]);
  });
});
