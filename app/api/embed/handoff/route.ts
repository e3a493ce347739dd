import { createHandoffCode } from "@/lib/embed/handoff";
import { errorResponse } from "@/lib/errors";

/** POST /api/embed/handoff: the widget's code for opening one of its chats in the full app (lib/embed/handoff.ts). */
export async function POST(request: Request): Promise<Response> {
  try {
    return await createHandoffCode(request);
  } catch (error) {
    return errorResponse(error);
  }
}
