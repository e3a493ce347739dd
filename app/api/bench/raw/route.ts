import { rawPipe } from "@/lib/bench/raw-pipe";
import { errorResponse } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** `npm run bench` only (BENCH_RAW_PIPE): the upstream's stream piped through unchanged (lib/bench/raw-pipe.ts). */
export async function GET(request: Request): Promise<Response> {
  try {
    return await rawPipe(request);
  } catch (error) {
    return errorResponse(error);
  }
}
