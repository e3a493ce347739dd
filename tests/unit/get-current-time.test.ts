import { describe, expect, it } from "vitest";
import { getCurrentTime } from "@/lib/ai/tools/get-current-time";
import { testChatTools } from "../support/tools";

const chatTools = testChatTools();

const options = { toolCallId: "call-1", messages: [], context: {} } as never;

async function run(input: unknown) {
  if (!getCurrentTime.execute) throw new Error("getCurrentTime has no execute");
  return (await getCurrentTime.execute(input as { timeZone: string }, options)) as { timeZone: string; iso: string; local: string };
}

describe("getCurrentTime", () => {
  it("is offered to models as chatTools.getCurrentTime with a description", () => {
    // The same tool, its execute guarded (lib/ai/tools/tool-error.ts).
    expect(chatTools.getCurrentTime).toEqual({ ...getCurrentTime, execute: expect.any(Function) });
    expect(getCurrentTime.description).toMatch(/IANA time zone/);
  });

  it("returns the zone, an ISO timestamp close to now, and the local time in that zone", async () => {
    const before = Date.now();
    const result = await run({ timeZone: "Europe/Paris" });
    const after = Date.now();
    expect(result.timeZone).toBe("Europe/Paris");
    const iso = Date.parse(result.iso);
    expect(iso).toBeGreaterThanOrEqual(before);
    expect(iso).toBeLessThanOrEqual(after);
    expect(result.iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // en-GB full date + long time, formatted for the zone (CET in winter, CEST in summer).
    const expected = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", dateStyle: "full", timeStyle: "long" }).format(
      new Date(result.iso),
    );
    expect(result.local).toBe(expected);
    expect(result.local).toMatch(/CES?T|GMT\+[12]/);
  });

  it.each(["UTC", "Asia/Tokyo", "America/Argentina/Buenos_Aires"])("accepts %s", async (timeZone) => {
    await expect(run({ timeZone })).resolves.toMatchObject({ timeZone });
  });

  it.each(["Atlantis", "Europe/Atlantis", "Not a zone"])("rejects %j with a message a person can act on", async (timeZone) => {
    await expect(run({ timeZone })).rejects.toThrow(
      `"${timeZone}" is not a known IANA time zone (try a name like Europe/Paris).`,
    );
  });

  it("its input schema defaults the zone to UTC and bounds its length", async () => {
    const schema = getCurrentTime.inputSchema as unknown as { safeParse: (value: unknown) => { success: boolean; data?: unknown } };
    expect(schema.safeParse({})).toEqual({ success: true, data: { timeZone: "UTC" } });
    expect(schema.safeParse({ timeZone: "" }).success).toBe(false);
    expect(schema.safeParse({ timeZone: "x".repeat(65) }).success).toBe(false);
    expect(schema.safeParse({ timeZone: 7 }).success).toBe(false);
  });
});
