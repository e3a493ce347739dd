import { deleteChat, getChat, renameChat } from "@/lib/chat/chat-routes";

type Context = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Context): Promise<Response> {
  return getChat(request, (await params).id);
}

export async function PATCH(request: Request, { params }: Context): Promise<Response> {
  return renameChat(request, (await params).id);
}

export async function DELETE(request: Request, { params }: Context): Promise<Response> {
  return deleteChat(request, (await params).id);
}
