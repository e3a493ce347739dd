import "server-only";
import { listModels } from "@/lib/ai/models";
import { OPENAI_API_URL } from "@/lib/ai/providers/openai";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

const MAX_PROMPT_LENGTH = 1_000;

/**
 * Whether the client is this machine. On Cloudflare `cf-connecting-ip` is the real client's address, set by the edge
 * (a client cannot choose it) and never a loopback one: a deployed worker never pipes, whatever its vars say.
 */
function fromThisMachine(request: Request): boolean {
  const ip = request.headers.get("cf-connecting-ip");
  return ip === "127.0.0.1" || ip === "::1";
}

/**
 * GET /api/bench/raw?prompt=…: `npm run bench`'s baseline, on only when BENCH_RAW_PIPE is set and the request comes
 * from this machine (else 404).
 * Sends one streaming Chat Completions request with this prompt to the configured OpenAI upstream (OPENAI_BASE_URL,
 * the default OpenAI model, the server's key) and returns the upstream's response body as it is: the same SSE bytes,
 * no parsing. The client picks the prompt only, never the URL, the model or the key: this is no proxy.
 * With `read=1` the route only reads the upstream's body to its end and answers how many reads that took: the least a
 * route that looks at each chunk costs (the chat's runner does that, and more).
 */
export async function rawPipe(request: Request): Promise<Response> {
  const env = await readEnv();
  if (!env.BENCH_RAW_PIPE || !fromThisMachine(request)) throw new AppError("not_found:bench", "There is nothing here.");
  const models = listModels(env).filter((model) => model.provider === "openai");
  const model = models.find((candidate) => candidate.isDefault) ?? models[0];
  if (!model || !env.OPENAI_API_KEY) {
    throw new AppError("config:bench", "The raw pipe needs an OpenAI-compatible upstream (OPENAI_API_KEY).");
  }
  const params = new URL(request.url).searchParams;
  const prompt = params.get("prompt") ?? "";
  if (!prompt || prompt.length > MAX_PROMPT_LENGTH) {
    throw new AppError("bad_request:bench", `Send a prompt of 1 to ${MAX_PROMPT_LENGTH} characters.`);
  }
  const upstream = await fetch(`${(env.OPENAI_BASE_URL ?? OPENAI_API_URL).replace(/\/+$/, "")}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY}` },
    body: JSON.stringify({
      model: model.id.slice("openai:".length),
      messages: [{ role: "user", content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    }),
    signal: request.signal,
  });
  if (params.get("read") === "1" && upstream.body) {
    const reader = upstream.body.getReader();
    let reads = 0;
    let bytes = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      reads++;
      bytes += read.value.byteLength;
    }
    return Response.json({ reads, bytes }, { status: upstream.status, headers: { "cache-control": "no-store" } });
  }
  return new Response(upstream.body, {
    status: upstream.status,
    headers: {
      "content-type": upstream.headers.get("content-type") ?? "text/event-stream",
      "cache-control": "no-store",
    },
  });
}
