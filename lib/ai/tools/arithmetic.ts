/**
 * A small arithmetic evaluator: a recursive-descent parser over numbers, + - * / % ^, parentheses, unary minus,
 * a few functions and constants. Never eval: the input is whatever the model wrote.
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "%") unary)*
 *   unary      := ("-" | "+") unary | power     so -2^2 is -(2^2)
 *   power      := primary ("^" unary)?          right-associative: 2^3^2 is 2^9
 *   primary    := number | "(" expression ")" | constant | name "(" expression ("," expression)* ")"
 */
import { ToolError } from "./tool-error";

export const ARITHMETIC_LIMITS = { maxLength: 500, maxDepth: 64, maxExponent: 1_000 };

/** Every refusal of the evaluator says what is wrong with the expression, for the person and the model. */
export class ArithmeticError extends ToolError {}

const FUNCTIONS: Record<string, { arity: number; apply: (...args: number[]) => number }> = {
  sqrt: { arity: 1, apply: Math.sqrt },
  cbrt: { arity: 1, apply: Math.cbrt },
  abs: { arity: 1, apply: Math.abs },
  round: { arity: 1, apply: Math.round },
  floor: { arity: 1, apply: Math.floor },
  ceil: { arity: 1, apply: Math.ceil },
  sin: { arity: 1, apply: Math.sin },
  cos: { arity: 1, apply: Math.cos },
  tan: { arity: 1, apply: Math.tan },
  ln: { arity: 1, apply: Math.log },
  log: { arity: 1, apply: Math.log10 },
  exp: { arity: 1, apply: Math.exp },
  min: { arity: 2, apply: Math.min },
  max: { arity: 2, apply: Math.max },
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

type Token = { kind: "number"; value: number } | { kind: "name"; value: string } | { kind: "op"; value: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|([a-z]+)|(\*\*|[-+*/%^(),]))/giy;
  let index = 0;
  while (index < input.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(input);
    if (!match) {
      if (/^\s*$/.test(input.slice(index))) break;
      const at = index + (input.slice(index).length - input.slice(index).trimStart().length);
      throw new ArithmeticError(`Unexpected character "${input[at]}" at position ${at + 1}.`);
    }
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "number", value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: "name", value: match[2].toLowerCase() });
    else tokens.push({ kind: "op", value: match[3] === "**" ? "^" : match[3] });
  }
  return tokens;
}

class Parser {
  private position = 0;
  private depth = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): number {
    if (this.tokens.length === 0) throw new ArithmeticError("The expression is empty.");
    const value = this.expression();
    const extra = this.tokens[this.position];
    if (extra) throw new ArithmeticError(`Unexpected "${extra.value}" after the end of the expression.`);
    return value;
  }

  private peekOp(...ops: string[]): string | undefined {
    const token = this.tokens[this.position];
    return token?.kind === "op" && ops.includes(token.value) ? token.value : undefined;
  }

  private expect(op: string): void {
    if (!this.peekOp(op)) throw new ArithmeticError(`Expected "${op}".`);
    this.position++;
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > ARITHMETIC_LIMITS.maxDepth) throw new ArithmeticError("The expression is nested too deeply.");
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private expression(): number {
    return this.nested(() => {
      let value = this.term();
      for (let op = this.peekOp("+", "-"); op; op = this.peekOp("+", "-")) {
        this.position++;
        value = op === "+" ? value + this.term() : value - this.term();
      }
      return value;
    });
  }

  private term(): number {
    let value = this.unary();
    for (let op = this.peekOp("*", "/", "%"); op; op = this.peekOp("*", "/", "%")) {
      this.position++;
      const right = this.unary();
      if ((op === "/" || op === "%") && right === 0) throw new ArithmeticError("Division by zero.");
      value = op === "*" ? value * right : op === "/" ? value / right : value % right;
    }
    return value;
  }

  private power(): number {
    const base = this.primary();
    if (!this.peekOp("^")) return base;
    this.position++;
    const exponent = this.nested(() => this.unary());
    if (Math.abs(exponent) > ARITHMETIC_LIMITS.maxExponent) {
      throw new ArithmeticError(`Exponents are limited to ±${ARITHMETIC_LIMITS.maxExponent}.`);
    }
    return base ** exponent;
  }

  private unary(): number {
    const op = this.peekOp("-", "+");
    if (!op) return this.power();
    this.position++;
    const value = this.nested(() => this.unary());
    return op === "-" ? -value : value;
  }

  private primary(): number {
    const token = this.tokens[this.position++];
    if (!token) throw new ArithmeticError("The expression ends too early.");
    if (token.kind === "number") return token.value;
    if (token.kind === "op" && token.value === "(") {
      const value = this.expression();
      this.expect(")");
      return value;
    }
    if (token.kind === "name") return this.call(token.value);
    throw new ArithmeticError(`Unexpected "${token.value}".`);
  }

  private call(name: string): number {
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
    if (Object.hasOwn(CONSTANTS, name) && !this.peekOp("(")) return CONSTANTS[name];
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) throw new ArithmeticError(`Unknown name "${name}".`);
    this.expect("(");
    const args = [this.expression()];
    while (this.peekOp(",")) {
      this.position++;
      args.push(this.expression());
    }
    this.expect(")");
    if (args.length !== fn.arity) throw new ArithmeticError(`${name}() takes ${fn.arity} argument(s).`);
    return fn.apply(...args);
  }
}

export function evaluateArithmetic(expression: string): number {
  if (expression.length > ARITHMETIC_LIMITS.maxLength) {
    throw new ArithmeticError(`The expression is longer than ${ARITHMETIC_LIMITS.maxLength} characters.`);
  }
  const value = new Parser(tokenize(expression)).parse();
  if (!Number.isFinite(value)) throw new ArithmeticError("The result is not a finite number.");
  return value;
}
