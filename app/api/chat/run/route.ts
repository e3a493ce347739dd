import { runTurnRequest } from "@/lib/chat/turn";

/** Internal: conversation objects run their turns here (lib/chat/turn.ts). Refused without the runner token. */
export function POST(request: Request): Promise<Response> {
  return runTurnRequest(request);
}
