import { describe, expect, it } from "vitest";
import { toolErrorSummary } from "@/components/chat/parts/toolError";

describe("toolErrorSummary", () => {
  it("shows our tools' own messages as they are, without a leading 'Error:'", () => {
    expect(toolErrorSummary('Error: No place called "Atlantis" was found.')).toEqual({
      summary: 'No place called "Atlantis" was found.',
    });
  });

  it("puts the SDK's invalid-argument dump in the details and says what happened", () => {
    const raw = 'AI_InvalidToolInputError: Invalid input for tool calculate: Type validation failed: Value: {"expression":42}.';
    expect(toolErrorSummary(raw)).toEqual({
      summary: "The model sent arguments this tool cannot use, so it did not run.",
      details: raw,
    });
  });

  it("names an unknown tool call plainly", () => {
    const raw = "AI_NoSuchToolError: Model tried to call unavailable tool 'launchRockets'. Available tools: calculate.";
    expect(toolErrorSummary(raw).summary).toBe("The model asked for a tool that does not exist.");
  });
});
