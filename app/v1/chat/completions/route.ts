import { chatCompletions } from "@/lib/api/chat-completions";

/** The OpenAI-compatible Chat Completions endpoint (lib/api/chat-completions.ts). */
export function POST(request: Request): Promise<Response> {
  return chatCompletions(request);
}
