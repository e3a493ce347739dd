import { listApiModels } from "@/lib/api/chat-completions";

export const dynamic = "force-dynamic";

/** The OpenAI-compatible model list (lib/api/chat-completions.ts). */
export function GET(request: Request): Promise<Response> {
  return listApiModels(request);
}
