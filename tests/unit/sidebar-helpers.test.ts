import { describe, expect, it } from "vitest";
import { dayGroup, groupByDay } from "@/components/sidebar/groupByDay";
import { chatRequestBody } from "@/components/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";

describe("groupByDay", () => {
  const now = new Date("2026-03-10T10:00:00Z");

  it("sorts newest first into Today, Yesterday, Previous 7 days and Older, leaving out empty groups", () => {
    const chats = [
      { id: "old", updatedAt: "2026-01-01T12:00:00Z" },
      { id: "today-early", updatedAt: "2026-03-10T01:00:00Z" },
      { id: "yesterday", updatedAt: "2026-03-09T23:30:00Z" },
      { id: "today-late", updatedAt: "2026-03-10T09:00:00Z" },
      { id: "week", updatedAt: "2026-03-03T08:00:00Z" },
    ];
    expect(groupByDay(chats, { now, timeZone: "UTC" }).map(({ group, chats }) => [group, chats.map((c) => c.id)])).toEqual([
      ["Today", ["today-late", "today-early"]],
      ["Yesterday", ["yesterday"]],
      ["Previous 7 days", ["week"]],
      ["Older", ["old"]],
    ]);
    expect(groupByDay([], { now, timeZone: "UTC" })).toEqual([]);
  });

  it("uses calendar days in the reader's time zone", () => {
    // 23:30 UTC on the 9th is already the 10th in Tokyo (UTC+9), and still the 9th in New York.
    const updated = new Date("2026-03-09T23:30:00Z");
    expect(dayGroup(updated, now, "UTC")).toBe("Yesterday");
    expect(dayGroup(updated, now, "Asia/Tokyo")).toBe("Today");
    expect(dayGroup(new Date("2026-03-10T02:00:00Z"), now, "America/New_York")).toBe("Yesterday");
    // A clock slightly ahead of ours: still today.
    expect(dayGroup(new Date("2026-03-10T10:00:05Z"), now, "UTC")).toBe("Today");
  });
});

describe("chatRequestBody", () => {
  const user: ChatMessage = { id: "u2", role: "user", parts: [{ type: "text", text: "Next question" }] };
  const history: ChatMessage[] = [
    { id: "u1", role: "user", parts: [{ type: "text", text: "First" }] },
    { id: "a1", role: "assistant", parts: [{ type: "text", text: "Answer" }] },
    user,
  ];

  it("sends only the last message, the chat id, the trigger and the model", () => {
    expect(
      chatRequestBody({ id: "c1", messages: history, trigger: "submit-message", messageId: undefined, model: "demo:offline" }),
    ).toEqual({ id: "c1", message: user, trigger: "submit-message", model: "demo:offline" });
  });

  it("sends no message for a regeneration, only the id of the message to answer again", () => {
    expect(
      chatRequestBody({ id: "c1", messages: history.slice(0, 1), trigger: "regenerate-message", messageId: "a1", model: "m" }),
    ).toEqual({ id: "c1", trigger: "regenerate-message", messageId: "a1", model: "m" });
  });
});
