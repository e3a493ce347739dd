import "server-only";
import { z } from "zod";
import { readJsonBody } from "@/lib/chat/request";
import { openSession, type Session } from "@/lib/chat/session";
import { apiKeysFor, MAX_KEYS_PER_VISITOR, type ApiKeySummary } from "@/lib/db/api-keys";
import { AppError, errorResponse } from "@/lib/errors";
import { newApiKey } from "./keys";

/**
 * The logic of /api/keys (a visitor's keys for the OpenAI-compatible API, managed on /settings/keys): list, create
 * (the key is in the answer once, never again), delete. App visitors only: the widget's visitors have no keys.
 */

export type ApiKeyListResponse = { keys: ApiKeySummary[] };
export type ApiKeyCreatedResponse = { key: string; apiKey: ApiKeySummary };

const NAME_MAX = 60;
const createBody = z.object({
  name: z.string({ error: "name must be a string." }).trim().min(1, "Give the key a name.").max(NAME_MAX, `A name can be at most ${NAME_MAX} characters.`),
});

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { "cache-control": "no-store" } });

async function withVisitor(request: Request, handle: (session: Session) => Promise<Response>): Promise<Response> {
  let session: Session | undefined;
  try {
    session = await openSession(request);
    if (session.embedded) throw new AppError("forbidden:api_key", "API keys are made in the app, not in the widget.");
    return session.finish(await handle(session));
  } catch (error) {
    const response = errorResponse(error);
    return session ? session.finish(response) : response;
  }
}

/** GET /api/keys */
export function listApiKeys(request: Request): Promise<Response> {
  return withVisitor(request, async ({ db, visitorId }) => {
    const body: ApiKeyListResponse = { keys: await apiKeysFor(db, visitorId).list() };
    return json(body);
  });
}

/** POST /api/keys with `{ name }` → 201 with the key, shown this once. */
export function createApiKey(request: Request): Promise<Response> {
  return withVisitor(request, async (session) => {
    const parsed = createBody.safeParse(await readJsonBody(request, 1_024, "the key's name"));
    if (!parsed.success) throw new AppError("bad_request:api_key", parsed.error.issues[0].message);
    await session.mint();
    const keys = apiKeysFor(session.db, session.visitorId);
    if ((await keys.count()) >= MAX_KEYS_PER_VISITOR) {
      throw new AppError("bad_request:api_key", `You can have at most ${MAX_KEYS_PER_VISITOR} keys. Delete one first.`);
    }
    const { key, digest, preview } = await newApiKey();
    const body: ApiKeyCreatedResponse = { key, apiKey: await keys.add({ name: parsed.data.name, digest, preview }) };
    return json(body, 201);
  });
}

/** DELETE /api/keys/[id] → 204: the key stops working at once. */
export function deleteApiKey(request: Request, id: string): Promise<Response> {
  return withVisitor(request, async ({ db, visitorId }) => {
    if (!id || id.length > 64 || !(await apiKeysFor(db, visitorId).remove(id))) {
      throw new AppError("not_found:api_key", "There is no such key.");
    }
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  });
}
