/**
 * The browser tools as the page knows them: by name, to tell which calls it answers, and how much it may write back.
 * Their declarations (./browser.ts: descriptions, zod schemas) stay on the server; the page's first load has no use
 * for them.
 */
export const BROWSER_TOOL_NAMES = ["getUserTimezone", "getPageContext"] as const;

export type BrowserToolName = (typeof BROWSER_TOOL_NAMES)[number];

/**
 * The most a page may write into an answer, in UTF-8 bytes of JSON: a browser tool's output or error, an approval's
 * reason (lib/chat/history.ts refuses more with a 413; the page keeps its own answers within it).
 */
export const CLIENT_TEXT_MAX_BYTES = 2_048;
