import { createEmbedSession, revokeEmbedSession } from "@/lib/embed/session";
import { errorResponse } from "@/lib/errors";

/** POST /api/embed/session: a new or renewed embed token (lib/embed/session.ts). */
export async function POST(request: Request): Promise<Response> {
  try {
    return await createEmbedSession(request);
  } catch (error) {
    return errorResponse(error);
  }
}

/** DELETE /api/embed/session: revokes the visitor's embed tokens. */
export async function DELETE(request: Request): Promise<Response> {
  try {
    return await revokeEmbedSession(request);
  } catch (error) {
    return errorResponse(error);
  }
}
