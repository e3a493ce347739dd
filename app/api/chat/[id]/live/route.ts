import { listenToChat } from "@/lib/chat/conversations";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return listenToChat(request, (await params).id);
}
