import "server-only";
import { z } from "zod";
import { AppError, errorResponse } from "@/lib/errors";
import { requireOwner } from "@/lib/security/owner";
import { usageReport } from "./answers";
import { USAGE_RANGES, type UsageRange } from "./usage-report";

const rangeParam = z.enum(Object.keys(USAGE_RANGES) as [UsageRange, ...UsageRange[]]).default("24h");

/** GET /api/usage: the owner's usage report over `?range=` (24h, 7d, 30d). */
export async function getUsage(request: Request): Promise<Response> {
  try {
    await requireOwner(request);
    const range = rangeParam.safeParse(new URL(request.url).searchParams.get("range") ?? undefined);
    if (!range.success) throw new AppError("bad_request:range", `Unknown range. Use one of ${Object.keys(USAGE_RANGES).join(", ")}.`);
    return Response.json(await usageReport(range.data), { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
