import { listModels } from "@/lib/ai/models";
import type { ModelsResponse } from "@/lib/chat/types";
import { readEnv } from "@/lib/env";
import { errorResponse } from "@/lib/errors";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const models = listModels(await readEnv());
    const body: ModelsResponse = { models, defaultModel: models.find((model) => model.isDefault)!.id };
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
