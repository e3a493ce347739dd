import { expect, type Locator, type Page } from "@playwright/test";

/** What `recordStreaming` saw of one assistant answer. */
export type StreamingRecord = {
  /** `assistant-text` lengths observed while the message had data-status="streaming", in order, deduplicated. */
  lengths: number[];
  finalLength: number;
  finalStatus: string | null;
  timedOut: boolean;
};

/** The chat UI, by the data-testids components/ exposes. */
export class ChatPage {
  readonly root: Locator;
  readonly input: Locator;
  readonly sendButton: Locator;
  readonly stopButton: Locator;
  readonly modelPicker: Locator;
  readonly demoBadge: Locator;
  readonly errorBanner: Locator;
  readonly retryButton: Locator;
  readonly emptyState: Locator;
  readonly userMessages: Locator;
  readonly assistantMessages: Locator;
  readonly sidebar: Locator;
  readonly sidebarToggle: Locator;
  readonly chatItems: Locator;
  readonly notFound: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId("chat");
    this.input = page.getByTestId("composer-input");
    this.sendButton = page.getByTestId("send-button");
    this.stopButton = page.getByTestId("stop-button");
    this.modelPicker = page.getByTestId("model-picker");
    this.demoBadge = page.getByTestId("demo-badge");
    this.errorBanner = page.getByTestId("error-banner");
    this.retryButton = page.getByTestId("retry-button");
    this.emptyState = page.getByTestId("empty-state");
    this.userMessages = page.getByTestId("message-user");
    this.assistantMessages = page.getByTestId("message-assistant");
    this.sidebar = page.getByTestId("sidebar");
    this.sidebarToggle = page.getByTestId("sidebar-toggle");
    this.chatItems = this.sidebar.getByTestId("chat-list-item");
    this.notFound = page.getByTestId("chat-not-found");
  }

  /** Opens a stored conversation at /chat/<id> and waits until it is usable (see open()). */
  async openChat(id: string): Promise<void> {
    await this.page.goto(`/chat/${id}`);
    await expect(this.root).toBeVisible();
    await expect(this.root).toHaveAttribute("data-model", /\S/);
  }

  /** The id in the URL (/chat/<id>), once the first message has moved the page there. */
  async chatIdFromUrl(): Promise<string> {
    await expect(this.page).toHaveURL(/\/chat\/[^/]+$/);
    return decodeURIComponent(new URL(this.page.url()).pathname.split("/").at(-1)!);
  }

  /** A conversation's entry in the sidebar. */
  chatItem(id: string): Locator {
    return this.sidebar.locator(`[data-testid="chat-list-item"][data-chat-id="${id}"]`);
  }

  /**
   * Opens the app and waits until it is usable: `data-model` is filled in by an effect once GET /api/models answered,
   * so the page has hydrated (typing and clicking reach React) and the model picker has its options.
   */
  async open(): Promise<void> {
    await this.page.goto("/");
    await expect(this.root).toBeVisible();
    await expect(this.root).toHaveAttribute("data-model", /\S/);
  }

  async selectModel(modelId: string): Promise<void> {
    await this.modelPicker.selectOption(modelId);
    await expect(this.root).toHaveAttribute("data-model", modelId);
  }

  /** Types a prompt and sends it with Enter; resolves once the user message is on the page. */
  async send(prompt: string): Promise<void> {
    const before = await this.userMessages.count();
    await this.input.fill(prompt);
    await this.input.press("Enter");
    await expect(this.userMessages).toHaveCount(before + 1);
    await expect(this.userMessages.last()).toContainText(prompt);
  }

  /** The last assistant message. A locator is lazy: it means whichever message is last when it is used. */
  lastAssistant(): Locator {
    return this.assistantMessages.last();
  }

  /** The markdown of an assistant message (the last text part when a message has several). */
  textOf(message: Locator): Locator {
    return message.getByTestId("assistant-text").last();
  }

  /** The text of all of an assistant message's markdown containers, joined by newlines. */
  async text(message: Locator): Promise<string> {
    return message.evaluate((element) =>
      Array.from(element.querySelectorAll('[data-testid="assistant-text"]'))
        .map((node) => node.textContent ?? "")
        .join("\n"),
    );
  }

  /** Text length of an assistant message's markdown, 0 before any text arrived. */
  async textLength(message: Locator): Promise<number> {
    return message.evaluate((element) =>
      Array.from(element.querySelectorAll('[data-testid="assistant-text"]')).reduce(
        (sum, node) => sum + (node.textContent ?? "").length,
        0,
      ),
    );
  }

  async expectAnswered(message: Locator = this.lastAssistant(), timeout = 20_000): Promise<void> {
    await expect(message).toHaveAttribute("data-status", "done", { timeout });
  }

  /**
   * Starts watching the DOM for the next new assistant message (an element not on the page now, so a regenerated
   * answer counts too) and records the length of its text at every DOM change while it has
   * data-status="streaming". Call before sending; await the returned function's result after.
   */
  async recordStreaming(timeoutMs = 30_000): Promise<() => Promise<StreamingRecord>> {
    await this.page.evaluate((timeoutMs) => {
      const selector = '[data-testid="message-assistant"]';
      const existing = new Set(document.querySelectorAll(selector));
      const lengths: number[] = [];
      const newMessage = () => Array.from(document.querySelectorAll(selector)).findLast((node) => !existing.has(node));
      const lengthOf = (message: Element) =>
        Array.from(message.querySelectorAll('[data-testid="assistant-text"]')).reduce(
          (sum, node) => sum + (node.textContent ?? "").length,
          0,
        );
      const record = new Promise<StreamingRecord>((resolve) => {
        const finish = (timedOut: boolean) => {
          observer.disconnect();
          clearTimeout(timer);
          const message = newMessage();
          resolve({
            lengths,
            finalLength: message ? lengthOf(message) : 0,
            finalStatus: message?.getAttribute("data-status") ?? null,
            timedOut,
          });
        };
        const sample = () => {
          const message = newMessage();
          if (!message) return;
          const status = message.getAttribute("data-status");
          if (status === "streaming") {
            const length = lengthOf(message);
            if (lengths.at(-1) !== length) lengths.push(length);
          } else if (status === "done") {
            finish(false);
          }
        };
        const observer = new MutationObserver(sample);
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        const timer = setTimeout(() => finish(true), timeoutMs);
      });
      // Kept on the page; the function returned below awaits it.
      (window as unknown as { __e2eStreamingRecord: Promise<StreamingRecord> }).__e2eStreamingRecord = record;
    }, timeoutMs);
    return () =>
      this.page.evaluate(
        () => (window as unknown as { __e2eStreamingRecord: Promise<StreamingRecord> }).__e2eStreamingRecord,
      );
  }

  /** Asserts a recorded answer really streamed: its text went through at least `min` lengths before it was done. */
  static expectStreamed(record: StreamingRecord, min = 3): void {
    expect(record.timedOut, "the answer finished").toBe(false);
    expect(record.finalStatus).toBe("done");
    const intermediate = record.lengths.filter((length) => length > 0 && length < record.finalLength);
    expect(
      new Set(intermediate).size,
      `distinct text lengths while streaming (final ${record.finalLength}): ${record.lengths.join(", ")}`,
    ).toBeGreaterThanOrEqual(min);
    // Not asserted: that the length only grows. Rendered markdown can shrink as it streams (a row of `|` cells
    // becomes a table once its delimiter row arrives).
  }

  /** Watches a message's text for `ms` and reports whether it changed at all and its largest length. */
  async watchText(message: Locator, ms: number): Promise<{ before: string; after: string; maxLength: number }> {
    return message.evaluate(
      (element, ms) =>
        new Promise<{ before: string; after: string; maxLength: number }>((resolve) => {
          const text = () =>
            Array.from(element.querySelectorAll('[data-testid="assistant-text"]'))
              .map((node) => node.textContent ?? "")
              .join("\n");
          const before = text();
          let maxLength = before.length;
          const observer = new MutationObserver(() => (maxLength = Math.max(maxLength, text().length)));
          observer.observe(element, { subtree: true, childList: true, characterData: true });
          setTimeout(() => {
            observer.disconnect();
            resolve({ before, after: text(), maxLength });
          }, ms);
        }),
      ms,
    );
  }
}
