import type { Page } from "@playwright/test";
import { test, expect, uniquePrompt } from "./fixtures";
import type { ChatPage } from "./pages/chat-page";
import {
  DEMO_MODEL_ID,
  FAKE_MODEL_ID,
  FOREIGN_HOST,
  FOREIGN_PAGE_URL,
  HOSTILE_MARKER,
  WORKER_URL,
} from "../support/e2e-env";

/**
 * Model output is untrusted. The same hostile markdown (lib/ai/providers/demo-hostile.ts: raw HTML, event handlers,
 * javascript:/data: links, zero-click image exfiltration) arrives two ways: from the fake upstream, which answers
 * HOSTILE_MARKER with it, and from the offline demo model, asked for "hostile markdown". Either way the page must render
 * it inert: nothing runs, nothing is fetched from another origin, and the links that remain are http(s)/mailto with
 * rel="noopener noreferrer" and target=_blank.
 */

/** Sends `prompt` to `modelId` and checks, in the page, that the hostile answer stayed inert. */
async function expectHostileAnswerInert(chat: ChatPage, page: Page, modelId: string, prompt: string) {
  const appOrigin = new URL(WORKER_URL).origin;
  const foreignRequests: string[] = [];
  const dialogs: string[] = [];
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("http")) {
      // data:, blob:, javascript: never come from our own code; a request for one means model output got through.
      if (!url.startsWith("data:") || !url.includes("base64")) foreignRequests.push(url);
      return;
    }
    if (new URL(url).origin !== appOrigin) foreignRequests.push(url);
  });
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Anything that executes sets window.__pwned (the payloads do, and so do alert/confirm/prompt here).
  await page.addInitScript(() => {
    const flag = (how: string) => () => {
      (window as unknown as { __pwned?: string }).__pwned = how;
    };
    window.alert = flag("alert");
    window.confirm = (() => {
      flag("confirm")();
      return false;
    }) as typeof window.confirm;
    window.prompt = (() => {
      flag("prompt")();
      return null;
    }) as typeof window.prompt;
  });

  await chat.open();
  await chat.selectModel(modelId);
  await chat.send(prompt);
  const message = chat.lastAssistant();
  await chat.expectAnswered(message);
  const text = chat.textOf(message);
  await expect(text.getByRole("heading", { name: "Hostile answer" })).toBeVisible();

  // The safe links work, and open safely.
  const safe = text.getByRole("link", { name: "safe link" });
  await expect(safe).toHaveAttribute("href", "https://example.com/docs");
  await expect(text.getByRole("link", { name: "mail" })).toHaveAttribute("href", "mailto:someone@example.com");

  // Click what looks like a link in the hostile ones: nothing may run.
  for (const name of ["js link", "JS upper", "entity js", "data link", "ref js"]) {
    const element = text.getByText(name, { exact: true });
    if (await element.count()) await element.first().click({ noWaitAfter: true });
  }
  await page.waitForTimeout(500);

  const dom = await text.evaluate((root) => {
    const all = Array.from(root.querySelectorAll("*"));
    return {
      links: Array.from(root.querySelectorAll("a")).map((a) => ({
        text: a.textContent ?? "",
        href: a.getAttribute("href") ?? "",
        protocol: a.href ? new URL(a.href).protocol : "",
        rel: a.getAttribute("rel") ?? "",
        target: a.getAttribute("target") ?? "",
      })),
      images: Array.from(root.querySelectorAll("img")).map((img) => img.getAttribute("src") ?? ""),
      dangerous: all
        .filter((element) => ["SCRIPT", "IFRAME", "OBJECT", "EMBED", "FORM", "DETAILS", "STYLE", "LINK", "META"].includes(element.tagName))
        .map((element) => element.tagName),
      handlers: all.flatMap((element) =>
        Array.from(element.attributes)
          .filter((attribute) => attribute.name.toLowerCase().startsWith("on"))
          .map((attribute) => `${element.tagName}[${attribute.name}]`),
      ),
    };
  });

  for (const link of dom.links) {
    expect(["http:", "https:", "mailto:"], `link ${JSON.stringify(link)}`).toContain(link.protocol);
    expect(link.rel.split(/\s+/), `rel of ${link.href}`).toEqual(expect.arrayContaining(["noopener", "noreferrer"]));
    expect(link.target, `target of ${link.href}`).toBe("_blank");
  }
  expect(dom.links.some((link) => link.href.startsWith("https://example.com/docs"))).toBe(true);
  // Images from model output are never loaded from another origin (no zero-click exfiltration).
  for (const src of dom.images) {
    expect(new URL(src, appOrigin).origin, `img src ${src}`).toBe(appOrigin);
  }
  // Raw HTML never became elements, and no element carries an event handler attribute.
  expect(dom.dangerous, "raw HTML elements in the answer").toEqual([]);
  expect(dom.handlers, "event handler attributes in the answer").toEqual([]);
  expect(await message.locator("svg[onload]").count()).toBe(0);

  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(foreignRequests.filter((url) => url.includes(FOREIGN_HOST) || !url.startsWith(appOrigin))).toEqual([]);
}

test.describe("safe rendering of model output", () => {
  test("hostile markdown from the upstream model renders inert", async ({ chat, page }, testInfo) => {
    await expectHostileAnswerInert(chat, page, FAKE_MODEL_ID, uniquePrompt(`${HOSTILE_MARKER} Show me something`, testInfo));
  });

  test("hostile markdown from the demo model renders inert", async ({ chat, page }, testInfo) => {
    // Its pixel points at a live server on another origin of this machine, so a leak would really load.
    const prompt = uniquePrompt(`Show me hostile markdown with a pixel from ${FOREIGN_PAGE_URL}`, testInfo);
    await expectHostileAnswerInert(chat, page, DEMO_MODEL_ID, prompt);
  });
});
