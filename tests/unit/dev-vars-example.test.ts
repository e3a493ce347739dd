import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema } from "@/lib/env";

/** .dev.vars.example lists lib/env.ts's variables; envSchema is the one source of truth and this keeps them equal. */
const example = readFileSync(new URL("../../.dev.vars.example", import.meta.url), "utf8");
const lines = example.split("\n");

/** `# NAME=value` (commented out) or `NAME=value`: the variable lines, with their values unquoted. */
const ASSIGNMENT = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/;
const assignments = lines.flatMap((line, index) => {
  const match = ASSIGNMENT.exec(line);
  if (!match) return [];
  const [, comment, name, raw] = match;
  const value = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
  return [{ name, value, commented: comment !== undefined, index }];
});
const names = assignments.map((assignment) => assignment.name);
const schemaNames = Object.keys(envSchema.shape);

describe(".dev.vars.example", () => {
  it("names every variable of envSchema", () => {
    expect(schemaNames.filter((name) => !names.includes(name))).toEqual([]);
  });

  it("names no variable envSchema does not know, and each once", () => {
    expect(names.filter((name) => !schemaNames.includes(name))).toEqual([]);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it("sets nothing as copied: every line is a comment or blank", () => {
    expect(lines.filter((line) => line.trim() !== "" && !line.startsWith("#"))).toEqual([]);
    expect(assignments.every((assignment) => assignment.commented)).toBe(true);
  });

  it("says what each variable does, in a comment just above it (or above the group it belongs to)", () => {
    const undocumented = assignments.filter(({ index }) => {
      let above = index - 1;
      while (above >= 0 && ASSIGNMENT.test(lines[above])) above--;
      return !lines[above]?.startsWith("#");
    });
    expect(undocumented.map((assignment) => assignment.name)).toEqual([]);
  });

  it("offers values the schema accepts once uncommented", () => {
    const values = Object.fromEntries(assignments.map(({ name, value }) => [name, value]));
    const parsed = envSchema.safeParse(values);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
