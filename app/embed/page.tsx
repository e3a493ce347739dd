import type { Metadata } from "next";
import { EmbedWidget } from "@/components/embed/EmbedWidget";
import { parseAllowedOrigins } from "@/lib/embed/origins";
import { readEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Chat", robots: { index: false } };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function param(value: string | string[] | undefined, max: number): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text.slice(0, max) : undefined;
}

/**
 * The embedded widget (framed by public/embed.js on an allowed site; lib/worker.ts sends its frame-ancestors).
 * The root layout only: no sidebar. Title, welcome and colour come from the host's data attributes; the model and the
 * instructions do not (the server's embed preset, lib/chat/turn.ts).
 */
export default async function EmbedPage({ searchParams }: Props) {
  const params = await searchParams;
  const env = await readEnv();
  const color = param(params.color, 9);
  return (
    <EmbedWidget
      title={param(params.title, 80) ?? "Chat"}
      welcome={param(params.welcome, 300) ?? "Hi! Ask me anything."}
      color={color && /^#[0-9a-fA-F]{3,8}$/.test(color) ? color : undefined}
      hostOrigin={param(params.origin, 200)}
      allowedOrigins={parseAllowedOrigins(env.EMBED_ALLOWED_ORIGINS)}
    />
  );
}
