import { handOffEmbeddedChat } from "@/lib/embed/handoff";
import { errorResponse } from "@/lib/errors";

/** POST /api/embed/handoff: moves a widget chat into the full app (lib/embed/handoff.ts). */
export async function POST(request: Request): Promise<Response> {
  try {
    return await handOffEmbeddedChat(request);
  } catch (error) {
    return errorResponse(error);
  }
}
