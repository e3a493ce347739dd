import type { Page } from "@playwright/test";
import { test, expect, uniquePrompt } from "./fixtures";
import { startTestWorker, type TestWorker } from "../support/e2e-worker";
import {
  DEMO_MODEL_ID,
  E2E_HOST,
  FAIL_ALWAYS_MARKER,
  FAKE_API_KEY,
  FAKE_MODEL,
  FAKE_MODEL_ID,
  MODELS_INSPECTOR_PORT,
  MODELS_WORKER_PORT,
  UPSTREAM_URL,
  type UpstreamLogEntry,
} from "../support/e2e-env";

/**
 * The model picker and the fallback chain, on a worker of their own: the fake upstream serves gpt-fake (a name with
 * no known capabilities but tools), gpt-4o (reads images) and o4-mini (reasons, reads images); the demo model is
 * offered too, and MODEL_FALLBACKS sends gpt-fake's failures to it.
 */
const MODELS_WORKER_URL = `http://${E2E_HOST}:${MODELS_WORKER_PORT}`;

let worker: TestWorker;
test.beforeAll(async () => {
  test.setTimeout(90_000);
  worker = await startTestWorker(
    {
      SESSION_SECRET: "models-spec-secret",
      OPENAI_API_KEY: FAKE_API_KEY,
      OPENAI_BASE_URL: `${UPSTREAM_URL}/v1`,
      OPENAI_API: "chat",
      OPENAI_MODELS: `${FAKE_MODEL},gpt-4o,o4-mini`,
      ENABLE_DEMO_MODEL: "1",
      DEMO_DELAY_MS: "5",
      DEFAULT_MODEL: FAKE_MODEL_ID,
      MODEL_FALLBACKS: `${FAKE_MODEL_ID}>${DEMO_MODEL_ID}`,
    },
    { port: MODELS_WORKER_PORT, inspectorPort: MODELS_INSPECTOR_PORT },
  );
});
test.afterAll(async () => worker?.stop());
test.use({ baseURL: MODELS_WORKER_URL });

/** The badges next to the picker as a person sees them: each one's words (not the 1 px screen-reader text) and icon. */
function badges(page: Page) {
  return page.getByTestId("model-capability").evaluateAll((items) =>
    items.map((item) => {
      const seen = (element: Element) => element.getBoundingClientRect().width > 1;
      return {
        words: [...item.querySelectorAll("span")].filter(seen).map((span) => span.textContent).join(""),
        icon: [...item.querySelectorAll("svg")].some(seen),
      };
    }),
  );
}

test.describe("the model picker", () => {
  test("groups the models by provider, each saying what it can do; the chosen one's badges sit next to it", async ({ chat, page }) => {
    await chat.open();
    const groups = await chat.modelPicker.locator("optgroup").evaluateAll((elements) =>
      elements.map((group) => [(group as HTMLOptGroupElement).label, [...group.querySelectorAll("option")].map((option) => option.textContent)]),
    );
    expect(groups).toEqual([
      ["OpenAI", ["gpt-fake · tools", "gpt-4o · tools · images", "o4-mini · tools · reasoning · images"]],
      ["Demo", ["Offline demo · tools · reasoning"]],
    ]);

    // The default model: its name alone on the picker, its badges beside it.
    const face = page.getByTestId("model-picker-face");
    await expect(face).toHaveText(FAKE_MODEL);
    expect(await badges(page)).toEqual([{ words: "Tools", icon: true }]);

    // The keyboard moves through the models (the picker is a native select under its face), and its focus shows.
    await chat.modelPicker.focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await expect(chat.root).toHaveAttribute("data-model", "openai:o4-mini");
    await expect(face).toHaveText("o4-mini");
    await expect(face).toHaveCSS("outline-style", "solid");
    expect(await badges(page)).toEqual([
      { words: "Tools", icon: true },
      { words: "Reasoning", icon: true },
      { words: "Images", icon: true },
    ]);
    await expect(page.getByTestId("model-capabilities")).toHaveAccessibleName("What o4-mini can do");

    // The chat takes no attachments: the images badge says so, and there is nothing to attach with.
    await expect(page.locator('[data-capability="supportsImages"]')).toHaveAttribute("title", /sends text only/);
    await expect(page.locator('input[type="file"]')).toHaveCount(0);

    await chat.selectModel(DEMO_MODEL_ID);
    await expect(face).toHaveText("Offline demo");
    expect(await badges(page)).toEqual([
      { words: "Tools", icon: true },
      { words: "Reasoning", icon: true },
    ]);
  });

  test("on a phone: the badges are icons, and the header fits the screen", async ({ chat, page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await chat.open();
    await chat.selectModel("openai:o4-mini");
    expect(await badges(page)).toEqual([
      { words: "", icon: true },
      { words: "", icon: true },
      { words: "", icon: true },
    ]);
    await expect(page.getByTestId("model-picker-face")).toHaveText("o4-mini");
    for (const element of [page.getByTestId("model-picker-face"), page.getByTestId("model-capabilities"), page.getByTestId("new-chat-button")]) {
      const box = (await element.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});

test("a model that fails before its first token: the next one of its chain answers, and the answer says so, also after a reload", async ({
  chat,
  page,
  request,
}, testInfo) => {
  await chat.open();
  await expect(chat.root).toHaveAttribute("data-model", FAKE_MODEL_ID);
  const prompt = uniquePrompt(`${FAIL_ALWAYS_MARKER} Say hello`, testInfo);
  await chat.send(prompt);

  const answer = chat.lastAssistant();
  await chat.expectAnswered(answer);
  await expect(chat.errorBanner).toBeHidden();
  await expect(chat.textOf(answer)).toContainText("This answer comes from edge-chat's built-in offline demo");
  await expect(answer.getByTestId("message-meta")).toContainText("Offline demo · fallback from gpt-fake");

  // gpt-fake was asked, and asked again (its one retry), both times HTTP 500; the worker logged the fallback.
  const log = (await (await request.get(`${UPSTREAM_URL}/__e2e/log`, { params: { contains: prompt } })).json()) as UpstreamLogEntry[];
  expect(log.map((entry) => [entry.model, entry.status])).toEqual([
    [FAKE_MODEL, 500],
    [FAKE_MODEL, 500],
  ]);
  await expect.poll(() => worker.log()).toContain(`model ${FAKE_MODEL_ID} failed before its first token, falling back to ${DEMO_MODEL_ID}`);

  await page.reload();
  const stored = chat.lastAssistant();
  await expect(stored.getByTestId("message-meta")).toContainText("Offline demo · fallback from gpt-fake");
  await expect(chat.textOf(stored)).toContainText("This answer comes from edge-chat's built-in offline demo");
});
