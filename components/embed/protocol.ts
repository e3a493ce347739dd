import "@/components/app/zodJitless";
import { z } from "zod";

/**
 * The postMessage protocol between a host page (public/embed.js, or the host's own code) and the widget (app/embed).
 * Every message is `{ source: "edge-chat", version: 1, type, payload }`; anything else is ignored. Both sides check
 * `event.origin` first: the widget takes messages only from EMBED_ALLOWED_ORIGINS, embed.js only from the widget's.
 */
export const PROTOCOL_SOURCE = "edge-chat";
export const PROTOCOL_VERSION = 1;

export { EMBED_TOKEN_HEADER } from "@/lib/embed/origins";

export const pageContextSchema = z.object({
  title: z.string().trim().max(200).optional(),
  url: z.url().max(2000).optional(),
  text: z.string().trim().max(4000).optional(),
});
export type PageContext = z.infer<typeof pageContextSchema>;

const envelope = { source: z.literal(PROTOCOL_SOURCE), version: z.literal(PROTOCOL_VERSION) };

/** Host → widget. */
export const hostMessageSchema = z.discriminatedUnion("type", [
  z.object({ ...envelope, type: z.literal("open"), payload: z.unknown().optional() }),
  z.object({ ...envelope, type: z.literal("close"), payload: z.unknown().optional() }),
  z.object({
    ...envelope,
    type: z.literal("theme"),
    payload: z.object({
      color: z
        .string()
        .regex(/^#[0-9a-fA-F]{3,8}$/)
        .optional(),
      scheme: z.enum(["light", "dark", "auto"]).optional(),
    }),
  }),
  z.object({ ...envelope, type: z.literal("context"), payload: pageContextSchema }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

export type WidgetEventType = "ready" | "opened" | "closed" | "resize" | "close" | "message-sent" | "answer-finished";

/** A host message, or undefined for anything malformed, unknown or too large. */
export function parseHostMessage(data: unknown): HostMessage | undefined {
  const parsed = hostMessageSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** A widget → host message. */
export function widgetMessage(type: WidgetEventType, payload: Record<string, unknown> = {}) {
  return { source: PROTOCOL_SOURCE, version: PROTOCOL_VERSION, type, payload };
}
