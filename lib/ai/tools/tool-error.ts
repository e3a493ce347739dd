import type { ToolExecuteFunction, ToolSet } from "ai";

/** A tool's failure written for people: its message reaches the tool card and the model as it is. */
export class ToolError extends Error {}

/** What the card and the model get instead of an error no tool meant to show (a failed query, a bug). */
export const TOOL_FAILED = "The tool failed. Try again later.";

/** The chat was stopped or the SDK's tool timeout (`timeout.toolMs`) fired: the tool's abortSignal says which. */
function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) && error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function guarded<INPUT, OUTPUT, CONTEXT>(
  toolName: string,
  execute: ToolExecuteFunction<INPUT, OUTPUT, CONTEXT>,
): ToolExecuteFunction<INPUT, OUTPUT, CONTEXT> {
  return async (input, options) => {
    try {
      const output = await execute(input, options);
      // A streaming execute would fail outside this try; none of ours streams, so say so instead of passing it on.
      if (isAsyncIterable(output)) throw new Error(`${toolName}: a streaming execute is not guarded`);
      return output;
    } catch (error) {
      // Aborts stay what they are, so the SDK and the stop handling see them as before.
      if (error instanceof ToolError || isAbort(error, options.abortSignal)) throw error;
      console.error(`tool ${toolName} failed:`, error);
      throw new ToolError(TOOL_FAILED);
    }
  };
}

/**
 * The same tools, each `execute` guarded: a ToolError or an abort passes through, any other error is logged with
 * the tool's name and replaced by TOOL_FAILED, so its detail (SQL, URLs, stack) reaches neither the person nor the
 * model. Tools without `execute` (browser tools) are returned as they are.
 */
export function guardToolErrors<TOOLS extends ToolSet>(tools: TOOLS): TOOLS {
  const entries = Object.entries(tools).map(([name, tool]) => [
    name,
    tool.execute ? { ...tool, execute: guarded(name, tool.execute) } : tool,
  ]);
  // Object.fromEntries loses the keys' types; every key and every other property is unchanged.
  return Object.fromEntries(entries) as TOOLS;
}
