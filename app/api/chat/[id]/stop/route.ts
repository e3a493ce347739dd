import { stopChatStream } from "@/lib/chat/conversations";

type Context = { params: Promise<{ id: string }> };

/** Stop: the answer streaming now stops, wherever it is being read (lib/chat/conversations.ts). */
export async function POST(request: Request, { params }: Context): Promise<Response> {
  return stopChatStream(request, (await params).id);
}
