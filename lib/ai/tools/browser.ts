import type { Tool } from "ai";
import type { BrowserToolName } from "./browser-client";
import { getPageContext } from "./get-page-context";
import { getUserTimezone } from "./get-user-timezone";

/**
 * The tools the page answers, declared without `execute`. The server offers them (index.ts); the page knows them by
 * name (./browser-client.ts), and this object must declare exactly those names.
 */
export const browserTools = { getUserTimezone, getPageContext } satisfies Record<BrowserToolName, Tool>;
