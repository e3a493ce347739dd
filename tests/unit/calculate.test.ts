/**
 * The calculate tool and its parser (lib/ai/tools/arithmetic.ts): what it computes, and how it refuses what a model
 * (or a prompt injection through a model) might send it: names that reach into JavaScript, deep nesting, huge exponents,
 * long inputs. Every refusal is an ArithmeticError with a message a person can act on, and comes back at once.
 */
import { describe, expect, it } from "vitest";
import { calculate } from "@/lib/ai/tools/calculate";
import { ARITHMETIC_LIMITS, ArithmeticError, evaluateArithmetic } from "@/lib/ai/tools/arithmetic";
import { testChatTools } from "../support/tools";

const options = { toolCallId: "call-1", messages: [], context: {} } as never;

async function runTool(expression: string) {
  if (!calculate.execute) throw new Error("calculate has no execute");
  return (await calculate.execute({ expression }, options)) as { expression: string; result: number };
}

/** The error evaluateArithmetic throws, checked to be an ArithmeticError, with how long it took. */
function failure(expression: string): { error: ArithmeticError; ms: number } {
  const started = performance.now();
  try {
    const value = evaluateArithmetic(expression);
    throw new Error(`expected ${JSON.stringify(expression.slice(0, 80))} to be refused, got ${String(value)}`);
  } catch (error) {
    const ms = performance.now() - started;
    if (!(error instanceof ArithmeticError)) throw error;
    return { error, ms };
  }
}

const inputSchema = calculate.inputSchema as unknown as { safeParse: (value: unknown) => { success: boolean } };

describe("evaluateArithmetic: results", () => {
  it.each([
    ["2 + 3 * 4", 14],
    ["(2 + 3) * 4", 20],
    ["10 - 4 - 3", 3],
    ["100 / 10 / 5", 2],
    ["17 % 5", 2],
    ["7 - 10 % 4 * 2", 3],
    ["(17.5 * 3) / 4", 13.125],
    ["2 ^ 10", 1024],
    ["2 ** 10", 1024],
    // ^ is right-associative: 2^(3^2), not (2^3)^2 = 64.
    ["2 ^ 3 ^ 2", 512],
    ["(2 ^ 3) ^ 2", 64],
    // Unary minus binds looser than ^: -2^2 is -(2^2).
    ["-2 ^ 2", -4],
    ["(-2) ^ 2", 4],
    ["2 ^ -1", 0.5],
    ["2 ^ -2 ^ 2", 2 ** -4],
    ["-3 * -3", 9],
    ["--2", 2],
    ["+-+2", -2],
    ["3 - -2", 5],
    ["2 * 3 ^ 2", 18],
    ["1.5e3 + 2.5E-1", 1500.25],
    ["1e+2", 100],
    [".5 + 5.", 5.5],
    ["0.1 + 0.2", 0.1 + 0.2],
    ["sqrt(16) + cbrt(27)", 7],
    ["abs(-4.5)", 4.5],
    ["round(2.5) + floor(2.9) + ceil(2.1)", 3 + 2 + 3],
    ["min(3, 4) + max(3, 4)", 7],
    ["max(2 ^ 3, 3 ^ 2)", 9],
    ["log(1000)", 3],
    ["ln(e)", 1],
    ["exp(0)", 1],
    ["cos(0) + sin(0)", 1],
    ["tan(0)", 0],
    ["2 * pi", 2 * Math.PI],
    ["PI + E", Math.PI + Math.E],
    ["SQRT(4)", 2],
    ["  \t 1 +\n 1  ", 2],
    ["sqrt(2) ^ 2", Math.SQRT2 ** 2],
  ])("%s = %d", (expression, expected) => {
    expect(evaluateArithmetic(expression)).toBe(expected);
  });

  it("tells a constant from a function of the same letter: e and e(…)", () => {
    expect(evaluateArithmetic("e")).toBe(Math.E);
    expect(failure("e(1)").error.message).toBe('Unknown name "e".');
  });
});

describe("evaluateArithmetic: refusals", () => {
  it.each([
    // Names from JavaScript land: never looked up anywhere but the parser's own tables.
    ["eval(1)", 'Unknown name "eval".'],
    ["Function(1)", 'Unknown name "function".'],
    ["process", 'Unknown name "process".'],
    ["globalThis", 'Unknown name "globalthis".'],
    ["window", 'Unknown name "window".'],
    ["require(1)", 'Unknown name "require".'],
    ["toString(1)", 'Unknown name "tostring".'],
    ["valueOf", 'Unknown name "valueof".'],
    ["x + 1", 'Unknown name "x".'],
    // Characters outside the grammar.
    ["__proto__", 'Unexpected character "_" at position 1.'],
    ["a.b", 'Unexpected character "." at position 2.'],
    ["this['x']", 'Unexpected character "[" at position 5.'],
    ["1; 2", 'Unexpected character ";" at position 2.'],
    ["'1' + 1", `Unexpected character "'" at position 1.`],
    ["`1`", 'Unexpected character "`" at position 1.'],
    ["1 = 1", 'Unexpected character "=" at position 3.'],
    // Unicode digits are not ASCII digits.
    ["١٢ + 1", 'Unexpected character "١" at position 1.'],
    ["１２", 'Unexpected character "１" at position 1.'],
    // Broken structure.
    ["(1 + 2", 'Expected ")".'],
    ["((1)", 'Expected ")".'],
    ["1 + 2)", 'Unexpected ")" after the end of the expression.'],
    [")(", 'Unexpected ")".'],
    ["1 +", "The expression ends too early."],
    ["*2", 'Unexpected "*".'],
    ["1 2", 'Unexpected "2" after the end of the expression.'],
    ["2(3)", 'Unexpected "(" after the end of the expression.'],
    ["sqrt 4", 'Expected "(".'],
    ["min(1)", "min() takes 2 argument(s)."],
    ["sqrt(1, 2)", "sqrt() takes 1 argument(s)."],
    ["", "The expression is empty."],
    ["   ", "The expression is empty."],
    // Arithmetic that has no finite answer.
    ["1 / 0", "Division by zero."],
    ["5 % 0", "Division by zero."],
    ["1 / (2 - 2)", "Division by zero."],
    ["0 ^ -1", "The result is not a finite number."],
    ["sqrt(-1)", "The result is not a finite number."],
    ["ln(0)", "The result is not a finite number."],
    ["(-8) ^ (1/3)", "The result is not a finite number."],
    ["1e308 * 10", "The result is not a finite number."],
    ["1e400", "The result is not a finite number."],
    ["exp(1000)", "The result is not a finite number."],
    ["10 ^ 309", "The result is not a finite number."],
  ])("%j: %s", (expression, message) => {
    expect(failure(expression).error.message).toBe(message);
  });

  // Object.prototype's own lowercase name must not be found in the parser's tables (`name in CONSTANTS` walks the
  // prototype chain). Today "constructor" resolves to the Object function: `constructor ^ 0` evaluates to 1 and
  // `constructor(1)` says "takes undefined argument(s)".
  it.each(["constructor", "constructor ^ 0", "constructor(1)", "-constructor", "max(constructor, 1)"])(
    "%j is an unknown name, like any other",
    (expression) => {
      expect(failure(expression).error.message).toBe('Unknown name "constructor".');
    },
  );

  // The position should be the offending character's, 1-based. After a space the tokenizer reports where the
  // whitespace before it starts instead (position 4 for the "_" at 5 below).
  it("points at the offending character's own position, also after whitespace", () => {
    expect(failure("1+__proto__").error.message).toBe('Unexpected character "_" at position 3.');
    expect(failure("1 + __proto__").error.message).toBe('Unexpected character "_" at position 5.');
    expect(failure("2 *   $").error.message).toBe('Unexpected character "$" at position 7.');
  });

  it("refuses huge exponents before computing them: 9^9^9 and 2^100000 come back at once", () => {
    for (const expression of ["9^9^9", "2^100000", "2^-100000", "2^(10^4)", "(1+1)^(999+2)"]) {
      const { error, ms } = failure(expression);
      expect(error.message).toBe(`Exponents are limited to ±${ARITHMETIC_LIMITS.maxExponent}.`);
      expect(ms).toBeLessThan(250);
    }
    // The limit itself is allowed.
    expect(evaluateArithmetic(`2 ^ ${ARITHMETIC_LIMITS.maxExponent}`)).toBe(2 ** ARITHMETIC_LIMITS.maxExponent);
  });

  it(`refuses nesting deeper than ${ARITHMETIC_LIMITS.maxDepth} levels, in every recursive rule`, () => {
    const depth = ARITHMETIC_LIMITS.maxDepth;
    // The whole expression is one level, so maxDepth - 1 parentheses fit.
    expect(evaluateArithmetic("(".repeat(depth - 1) + "1" + ")".repeat(depth - 1))).toBe(1);
    const tooDeep = [
      "(".repeat(depth + 1) + "1" + ")".repeat(depth + 1),
      "-".repeat(depth + 1) + "1",
      Array(depth + 2).fill("1").join("^"),
      "abs(".repeat(depth + 1) + "1" + ")".repeat(depth + 1),
      "(".repeat(200) + "1" + ")".repeat(200),
      // Unbalanced, and deep: the depth check comes first and stops the descent.
      "(".repeat(ARITHMETIC_LIMITS.maxLength),
    ];
    for (const expression of tooDeep) {
      expect(expression.length).toBeLessThanOrEqual(ARITHMETIC_LIMITS.maxLength);
      expect(failure(expression).error.message).toBe("The expression is nested too deeply.");
    }
  });

  it(`refuses more than ${ARITHMETIC_LIMITS.maxLength} characters before parsing, even 10,000 terms, fast`, () => {
    const long = Array.from({ length: 10_000 }, (_, i) => String(i % 10)).join("+");
    expect(long.length).toBeGreaterThan(10_000);
    for (const expression of [long, "1".repeat(ARITHMETIC_LIMITS.maxLength + 1), "(".repeat(100_000), " ".repeat(1e6)]) {
      const { error, ms } = failure(expression);
      expect(error.message).toBe(`The expression is longer than ${ARITHMETIC_LIMITS.maxLength} characters.`);
      expect(ms).toBeLessThan(250);
    }
  });

  it(`evaluates a ${ARITHMETIC_LIMITS.maxLength}-character expression of 250 terms quickly and exactly`, () => {
    const terms = Array.from({ length: 250 }, (_, i) => String(i % 10));
    const expression = terms.join("+").padEnd(ARITHMETIC_LIMITS.maxLength, " ");
    expect(expression.length).toBe(ARITHMETIC_LIMITS.maxLength);
    const started = performance.now();
    expect(evaluateArithmetic(expression)).toBe(terms.reduce((sum, term) => sum + Number(term), 0));
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe("the calculate tool", () => {
  it("is offered to models with a description naming what it supports", () => {
    // The same tool, its execute guarded (lib/ai/tools/tool-error.ts).
    expect(testChatTools().calculate).toEqual({ ...calculate, execute: expect.any(Function) });
    expect(calculate.description).toMatch(/\+ - \* \/ % \^/);
    expect(calculate.description).toMatch(/sqrt/);
  });

  it("returns the expression with its result", async () => {
    await expect(runTool("(17.5 * 3) / 4")).resolves.toEqual({ expression: "(17.5 * 3) / 4", result: 13.125 });
  });

  it("throws the parser's message as it is, for the tool card and the model", async () => {
    await expect(runTool("1 / 0")).rejects.toThrow(new ArithmeticError("Division by zero."));
    await expect(runTool("eval(1)")).rejects.toBeInstanceOf(ArithmeticError);
  });

  it(`its input schema takes 1 to ${ARITHMETIC_LIMITS.maxLength} characters of text`, () => {
    expect(inputSchema.safeParse({ expression: "1+1" }).success).toBe(true);
    expect(inputSchema.safeParse({ expression: "1".repeat(ARITHMETIC_LIMITS.maxLength) }).success).toBe(true);
    expect(inputSchema.safeParse({ expression: "1".repeat(ARITHMETIC_LIMITS.maxLength + 1) }).success).toBe(false);
    expect(inputSchema.safeParse({ expression: "" }).success).toBe(false);
    expect(inputSchema.safeParse({ expression: 2 }).success).toBe(false);
    expect(inputSchema.safeParse({}).success).toBe(false);
  });
});
