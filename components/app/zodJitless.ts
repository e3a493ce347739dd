import { config } from "zod/mini";

// Zod tests once, when it first parses with an object schema, whether it may compile parsers with `new Function`.
// Under the pages' CSP (no 'unsafe-eval', lib/security/csp.ts) that test is blocked, which is fine, but the browser
// reports it as a violation. Turning the compiler off skips the test. Imported first by every client module that
// parses with zod (the chat, through the AI SDK's stream validation, and the embed protocol), so it has run before.
config({ jitless: true });
