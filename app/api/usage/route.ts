import { getUsage } from "@/lib/metrics/usage-routes";

/** GET /api/usage?range=24h|7d|30d: the usage report, for the deployment's owner only (404 to anyone else). */
export const GET = getUsage;
