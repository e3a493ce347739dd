/**
 * Stands in for the OpenNext build (`.open-next/worker.js`, absent before `npm run build:worker`) when unit tests import
 * the worker entry (lib/worker.ts): a page under every path but /api/, JSON there.
 */
const handler = {
  /** The last request the worker entry passed on, as Next would get it. */
  lastRequest: undefined as Request | undefined,
  fetch: async (request: Request) => {
    handler.lastRequest = request;
    return new URL(request.url).pathname.startsWith("/api/")
      ? Response.json({ ok: true })
      : new Response("<!doctype html>", { headers: { "content-type": "text/html" } });
  },
};

export default handler;
