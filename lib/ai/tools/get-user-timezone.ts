import { tool } from "ai";
import { z } from "zod";

/**
 * A browser tool: it has no `execute`, so the server streams the call to the client, which answers it from the
 * browser (components/chat/browserTools.ts) and sends the result back in the next request.
 */
export const getUserTimezone = tool({
  description:
    "Ask the user's browser for their time zone, locale and local time. Use it when the answer depends on where or when the user is (\"my time\", \"here\", \"today\").",
  inputSchema: z.object({}),
  outputSchema: z.object({
    timeZone: z.string().max(64),
    locale: z.string().max(64),
    localTime: z.string().max(100),
  }),
});
