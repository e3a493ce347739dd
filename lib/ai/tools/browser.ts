import { getPageContext } from "./get-page-context";
import { getUserTimezone } from "./get-user-timezone";

/**
 * The tools the page answers, declared without `execute`. The server offers them (index.ts) and the client reads from
 * them which calls it must answer (components/chat/browserTools.ts), so this module and its imports end up in the
 * page's bundle: only tool definitions here, no server code.
 */
export const browserTools = { getUserTimezone, getPageContext };
