/**
 * guardToolErrors, the guard createChatTools puts around every tool's execute: ToolErrors and aborts pass through as
 * they are, anything else is logged and becomes TOOL_FAILED. (tests/integration/tool-errors.test.ts runs it through
 * the route.)
 */
import { tool, type ToolExecutionOptions } from "ai";
import { afterEach, beforeEach, describe, expect, it, type MockInstance } from "vitest";
import { z } from "zod";
import { getUserTimezone } from "@/lib/ai/tools/get-user-timezone";
import { guardToolErrors, TOOL_FAILED, ToolError } from "@/lib/ai/tools/tool-error";
import { spyOnConsoleError } from "../support/presets";

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = spyOnConsoleError();
});
afterEach(() => consoleError.mockRestore());

/** A tool set of one tool whose execute does `run`, guarded. */
function guardedRun(run: (signal: AbortSignal) => Promise<string>, abortSignal: AbortSignal) {
  const { failing } = guardToolErrors({
    failing: tool({ inputSchema: z.object({}), execute: async (_input, options) => run(options.abortSignal!) }),
  });
  const options: ToolExecutionOptions<unknown> = { toolCallId: "call-1", messages: [], context: {}, abortSignal };
  return failing.execute({}, options);
}

describe("guardToolErrors", () => {
  it("lets a ToolError through as it is, and logs nothing", async () => {
    const error = new ToolError("No place called Atlantis was found.");
    await expect(guardedRun(async () => Promise.reject(error), new AbortController().signal)).rejects.toBe(error);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("replaces any other error by TOOL_FAILED and logs it with the tool's name", async () => {
    const error = new Error("D1_ERROR: no such table: notes: SQLITE_ERROR");
    await expect(guardedRun(async () => Promise.reject(error), new AbortController().signal)).rejects.toEqual(
      new ToolError(TOOL_FAILED),
    );
    expect(consoleError).toHaveBeenCalledWith("tool failing failed:", error);
  });

  it("lets the stop of the chat and the SDK's tool timeout through as they are", async () => {
    const stop = new AbortController();
    const stopped = new DOMException("The answer was stopped.", "AbortError");
    const waitForAbort = (signal: AbortSignal) =>
      new Promise<string>((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

    const pending = guardedRun(waitForAbort, stop.signal);
    stop.abort(stopped);
    await expect(pending).rejects.toBe(stopped);
    // timeout.toolMs reaches the tool as an AbortSignal.timeout in its abortSignal (ai/dist: mergeAbortSignals).
    await expect(guardedRun(waitForAbort, AbortSignal.timeout(10))).rejects.toMatchObject({ name: "TimeoutError" });
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("leaves tools without execute (browser tools) as they are", () => {
    expect(guardToolErrors({ getUserTimezone }).getUserTimezone).toBe(getUserTimezone);
  });
});
