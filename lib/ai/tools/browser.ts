import { getPageContext } from "./get-page-context";
import { getUserTimezone } from "./get-user-timezone";

/**
 * The tools the page answers, declared without `execute`. The server offers them (index.ts) and the client reads from
 * them which calls it must answer (components/chat/browserTools.ts), so this module and its imports end up in the
 * page's bundle: only tool definitions here, no server code.
 */
export const browserTools = { getUserTimezone, getPageContext };

/**
 * The most a page may write into an answer, in UTF-8 bytes of JSON: a browser tool's output or error, an approval's
 * reason (lib/chat/history.ts refuses more with a 413; the page keeps its own answers within it).
 */
export const CLIENT_TEXT_MAX_BYTES = 2_048;
