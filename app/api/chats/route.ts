import { listChats } from "@/lib/chat/chat-routes";

export const dynamic = "force-dynamic";

export function GET(request: Request): Promise<Response> {
  return listChats(request);
}
