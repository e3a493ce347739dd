import { describe, expect, it } from "vitest";
import { pageContextAnswer } from "@/components/embed/pageContext";
import { CLIENT_TEXT_MAX_BYTES } from "@/lib/ai/tools/browser-client";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe("the widget's getPageContext answer", () => {
  it("is the host's context as it is when it fits", () => {
    const context = { title: "Acme", url: "https://acme.example/", text: "Reusable rockets." };
    expect(pageContextAnswer(context)).toEqual({ available: true, ...context });
    expect(pageContextAnswer(undefined)).toEqual({ available: false });
  });

  it("fits what the server takes from a page, keeping the beginning of the text, whatever the host sends", () => {
    const contexts = [
      { title: "Long", text: "a".repeat(4_000) },
      { title: "長い", url: `https://example.com/${"p".repeat(1_900)}`, text: "ロケット".repeat(1_000) },
      { title: "t".repeat(200), url: `https://example.com/${"q".repeat(1_980)}`, text: '"\\\n'.repeat(1_300) },
    ];
    for (const context of contexts) {
      const answer = pageContextAnswer(context);
      expect(bytes(answer)).toBeLessThanOrEqual(CLIENT_TEXT_MAX_BYTES);
      expect(answer.available && context.text.startsWith(answer.text ?? "")).toBe(true);
      // Not cut far below the limit either.
      expect(bytes(answer)).toBeGreaterThan(CLIENT_TEXT_MAX_BYTES - 600);
    }
  });
});
