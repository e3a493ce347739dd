import { openSession } from "@/lib/chat/session";
import { startChatTurn } from "@/lib/chat/turn";
import { errorResponse } from "@/lib/errors";

export async function POST(request: Request): Promise<Response> {
  try {
    const session = await openSession(request);
    try {
      return session.finish(await startChatTurn(session, request));
    } catch (error) {
      return session.finish(errorResponse(error));
    }
  } catch (error) {
    return errorResponse(error);
  }
}
