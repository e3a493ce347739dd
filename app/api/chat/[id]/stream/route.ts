import { resumeChatStream } from "@/lib/chat/conversations";

type Context = { params: Promise<{ id: string }> };

/** useChat's resume: the answer streaming now, from its beginning, or 204 (lib/chat/conversations.ts). */
export async function GET(request: Request, { params }: Context): Promise<Response> {
  return resumeChatStream(request, (await params).id);
}
