import { stopLiveStream } from "@/lib/metrics/live-streams";

type Context = { params: Promise<{ id: string }> };

/** The owner's Stop for one running answer (lib/metrics/live-streams.ts); 404 to anyone else. */
export async function POST(request: Request, { params }: Context): Promise<Response> {
  return stopLiveStream(request, (await params).id);
}
