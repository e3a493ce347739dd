import { errorResponse } from "@/lib/errors";
import { ownerSession, signIn, signOut } from "@/lib/security/owner";

/** The owner's sign-in to the usage pages (lib/security/owner.ts). GET: `{ owner: true }` for the owner, else 404. */
export async function GET(request: Request): Promise<Response> {
  try {
    return await ownerSession(request);
  } catch (error) {
    return errorResponse(error);
  }
}

/** POST `{ token }`: ADMIN_TOKEN for the owner cookie. */
export async function POST(request: Request): Promise<Response> {
  try {
    return await signIn(request);
  } catch (error) {
    return errorResponse(error);
  }
}

/** DELETE: sign out. */
export function DELETE(request: Request): Response {
  return signOut(request);
}
