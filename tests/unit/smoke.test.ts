import { test, expect } from "vitest";
test("smoke", async () => {
  const { readEnv } = await import("@/lib/env");
  const env = await readEnv();
  expect(env.AI).toBeUndefined();
});
