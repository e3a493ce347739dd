import { tool } from "ai";
import { z } from "zod";
import { ARITHMETIC_LIMITS, evaluateArithmetic } from "./arithmetic";

export const calculate = tool({
  description:
    "Evaluate an arithmetic expression exactly instead of doing maths in your head. Supports + - * / % ^, parentheses, sqrt, cbrt, abs, round, floor, ceil, sin, cos, tan, ln, log (base 10), exp, min, max, pi and e.",
  inputSchema: z.object({
    expression: z
      .string()
      .min(1)
      .max(ARITHMETIC_LIMITS.maxLength)
      .describe("The expression, e.g. (17.5 * 3) / 4 or sqrt(2) ^ 2"),
  }),
  // Its refusals are ArithmeticErrors (ToolErrors): they reach the tool card and the model as they are.
  execute: async ({ expression }) => ({ expression, result: evaluateArithmetic(expression) }),
});
