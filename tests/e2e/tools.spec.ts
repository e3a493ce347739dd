import { test, expect, uniquePrompt } from "./fixtures";

/** Tool calling with the offline demo model in the worker; getWeather asks the fake upstream's Open-Meteo routes. */
test.describe("tool calls", () => {
  test("a server tool: the time card reaches its result, then the answer uses it", async ({ chat }) => {
    await chat.open();
    await chat.send("What time is it in Tokyo?");
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveCount(1);
    await expect(card).toHaveAttribute("data-tool", "getCurrentTime");
    await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    await expect(card.getByTestId("tool-summary")).toContainText("Asia/Tokyo");

    await chat.expectAnswered(message);
    const answer = chat.textOf(message);
    await expect(answer).toContainText("Here is what the tools told me");
    await expect(answer).toContainText("In Asia/Tokyo it is currently");
    await expect(chat.errorBanner).toBeHidden();
  });

  test("multi-step with a parallel pair: weather and time in one step, then one answer from both", async ({ chat }) => {
    await chat.open();
    await chat.send("What's the weather and the time in Paris?");
    const message = chat.lastAssistant();
    const cards = message.getByTestId("tool-card");
    await expect(cards).toHaveCount(2);
    await expect(cards.nth(0)).toHaveAttribute("data-tool", "getWeather");
    await expect(cards.nth(1)).toHaveAttribute("data-tool", "getCurrentTime");
    for (const card of await cards.all()) {
      await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    }
    const weather = message.getByTestId("weather-card");
    await expect(weather).toBeVisible();
    await expect(weather).toContainText("Paris");
    await expect(weather).toContainText("°");

    await chat.expectAnswered(message);
    const answer = chat.textOf(message);
    await expect(answer).toContainText("In Paris, France it is");
    await expect(answer).toContainText("In Europe/Paris it is currently");
  });

  test("approve: the note is saved only after Approve, the answer continues, and the note can be listed", async ({ chat }, testInfo) => {
    const note = uniquePrompt("water the plants", testInfo);
    await chat.open();
    await chat.send(`Save a note: ${note}`);
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveAttribute("data-tool", "saveNote");
    await expect(card).toHaveAttribute("data-state", "approval-requested", { timeout: 15_000 });
    // The user sees what they are approving.
    await expect(card).toContainText(note);
    await expect(message).toHaveAttribute("data-status", "done");

    await card.getByTestId("approve-button").click();
    await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    await expect(card.getByTestId("approve-button")).toHaveCount(0);
    await expect(chat.textOf(chat.lastAssistant())).toContainText("I saved your note", { timeout: 15_000 });
    await chat.expectAnswered();

    await chat.send("List my notes");
    const list = chat.lastAssistant();
    await expect(list.getByTestId("tool-card")).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    await chat.expectAnswered(list);
    await expect(chat.textOf(list)).toContainText(note);
    await expect(chat.errorBanner).toBeHidden();
  });

  test("deny: nothing is saved, the model is told, and the answer continues", async ({ chat }, testInfo) => {
    const note = uniquePrompt("call the bank", testInfo);
    await chat.open();
    await chat.send(`Save a note: ${note}`);
    const card = chat.lastAssistant().getByTestId("tool-card");
    await expect(card).toHaveAttribute("data-state", "approval-requested", { timeout: 15_000 });

    await card.getByTestId("deny-button").click();
    await expect(card).toHaveAttribute("data-state", "output-denied", { timeout: 15_000 });
    await expect(chat.textOf(chat.lastAssistant())).toContainText("You declined the saveNote call", { timeout: 15_000 });
    await chat.expectAnswered();

    await chat.send("List my notes");
    await chat.expectAnswered(chat.lastAssistant());
    await expect(chat.textOf(chat.lastAssistant())).not.toContainText(note);
  });

  test.describe("the browser tool", () => {
    test.use({ timezoneId: "Asia/Kolkata", locale: "en-IN" });

    test("the page answers getUserTimezone itself and the follow-up request goes automatically", async ({ chat }) => {
      await chat.open();
      await chat.send("What is my time zone?");
      const message = chat.lastAssistant();
      const card = message.getByTestId("tool-card");
      await expect(card).toHaveAttribute("data-tool", "getUserTimezone");
      await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
      await expect(chat.textOf(chat.lastAssistant())).toContainText("your time zone is Asia/Kolkata", { timeout: 15_000 });
      await chat.expectAnswered();
      await expect(chat.userMessages).toHaveCount(1);
    });
  });

  test("a failing tool shows an error card and the answer continues", async ({ chat }) => {
    await chat.open();
    await chat.send("What time is it in Atlantis?");
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveAttribute("data-tool", "getCurrentTime");
    await expect(card).toHaveAttribute("data-state", "output-error", { timeout: 15_000 });
    await expect(card.getByTestId("tool-error")).toBeVisible();
    await expect(card.getByTestId("tool-error")).toContainText("not a known IANA time zone");

    // The model got the tool's error and still answers; the chat itself did not fail.
    await chat.expectAnswered(message);
    await expect(chat.textOf(message)).toContainText("tool failed");
    await expect(chat.errorBanner).toBeHidden();
  });

  test("calculate: the expression and result on the card and in the answer", async ({ chat }) => {
    await chat.open();
    await chat.send("Calculate (17.5 * 3) / 4");
    const message = chat.lastAssistant();
    const card = message.getByTestId("tool-card");
    await expect(card).toHaveAttribute("data-tool", "calculate");
    await expect(card).toHaveAttribute("data-state", "output-available", { timeout: 15_000 });
    await expect(card.getByTestId("tool-summary")).toContainText("13.125");
    await chat.expectAnswered(message);
    await expect(chat.textOf(message)).toContainText("= 13.125");
  });
});
