import { tool } from "ai";
import { z } from "zod";

/**
 * A browser tool of embedded chats (app/embed): no `execute`; the widget answers it with the page context its host
 * page last sent (the `context` postMessage, components/embed/protocol.ts). Offered only to embedded visitors.
 */
export const getPageContext = tool({
  description:
    "Ask the web page this chat is embedded in what it is: its title, URL and a short text the site provides. Use it when the user asks about \"this page\", \"this site\" or \"this article\".",
  inputSchema: z.object({}),
  outputSchema: z.object({
    available: z.boolean(),
    title: z.string().max(200).optional(),
    url: z.string().max(2000).optional(),
    text: z.string().max(4000).optional(),
  }),
});
