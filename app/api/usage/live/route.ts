import { getLiveStreams } from "@/lib/metrics/live-streams";

/** GET /api/usage/live: the answers streaming right now, for the deployment's owner only (404 to anyone else). */
export const GET = getLiveStreams;
