import { deleteApiKey } from "@/lib/api/key-routes";

export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return deleteApiKey(request, (await params).id);
}
