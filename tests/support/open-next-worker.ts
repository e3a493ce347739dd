/**
 * Stands in for the OpenNext build (`.open-next/worker.js`, absent before `npm run build:worker`) when unit tests import
 * the worker entry (lib/worker.ts): a page under every path but /api/, JSON there.
 */
const handler = {
  fetch: async (request: Request) =>
    new URL(request.url).pathname.startsWith("/api/")
      ? Response.json({ ok: true })
      : new Response("<!doctype html>", { headers: { "content-type": "text/html" } }),
};

export default handler;
