"use client";
import { z } from "zod";

// Zod tests once, when the first object schema is built, whether it may compile parsers with `new Function`. Under the
// pages' CSP (no 'unsafe-eval', lib/security/csp.ts) that test is blocked, which is fine, but the browser reports it
// as a violation. Turning the compiler off skips the test. This module is the first client module a page evaluates:
// app/layout.tsx renders it ahead of everything else.
z.config({ jitless: true });

export function ZodJitless() {
  return null;
}
