import { redeemHandoffCode } from "@/lib/embed/handoff";
import { errorResponse } from "@/lib/errors";

/** POST /api/embed/handoff/redeem: /embed/open turns a code into a copy of the chat (lib/embed/handoff.ts). */
export async function POST(request: Request): Promise<Response> {
  try {
    return await redeemHandoffCode(request);
  } catch (error) {
    return errorResponse(error);
  }
}
