import { tool } from "ai";
import { z } from "zod";
import { ToolError } from "./tool-error";

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const getCurrentTime = tool({
  description:
    "Get the current date and time in an IANA time zone such as Europe/Paris or America/New_York. Use it whenever the user asks what time or date it is somewhere.",
  inputSchema: z.object({
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .default("UTC")
      .describe("IANA time zone name, e.g. Asia/Tokyo. Defaults to UTC."),
  }),
  execute: async ({ timeZone }) => {
    if (!isTimeZone(timeZone)) {
      throw new ToolError(`"${timeZone}" is not a known IANA time zone (try a name like Europe/Paris).`);
    }
    const now = new Date();
    return {
      timeZone,
      iso: now.toISOString(),
      local: new Intl.DateTimeFormat("en-GB", {
        timeZone,
        dateStyle: "full",
        timeStyle: "long",
      }).format(now),
    };
  },
});
