import { createApiKey, listApiKeys } from "@/lib/api/key-routes";

/** The visitor's keys for the OpenAI-compatible API (lib/api/key-routes.ts). */
export function GET(request: Request): Promise<Response> {
  return listApiKeys(request);
}

export function POST(request: Request): Promise<Response> {
  return createApiKey(request);
}
