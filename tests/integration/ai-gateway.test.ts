/**
 * AI Gateway (lib/ai/gateway.ts): with AI_GATEWAY_ID the providers call the gateway's provider URLs, with its token
 * and cache headers. A fake gateway over real HTTP records what it is sent and passes it on to the fake provider APIs.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chat, chatBody, cleanEnvPerTest, postChat } from "../support/chat-client";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";
import { startFakeWorkersAI, type FakeWorkersAI } from "../support/fake-workers-ai";
import { CLOUDFLARE_TEST_TOKEN, OPENAI_MODEL, OPENAI_TEST_KEY, WORKERS_AI_MODEL } from "../support/presets";

const ACCOUNT = "acc-gw";
const GATEWAY = "my-gateway";

let openai: FakeOpenAI;
let workersAI: FakeWorkersAI;
let gateway: Server;
let gatewayURL: string;
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
const setEnv = cleanEnvPerTest();

/** The gateway's provider paths, mapped to where the fakes serve the providers' own APIs. */
function upstreamOf(path: string): string | undefined {
  const prefix = `/${ACCOUNT}/${GATEWAY}/`;
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest.startsWith("openai/")) return `${openai.url}/v1/${rest.slice("openai/".length)}`;
  if (rest.startsWith("workers-ai/")) return `${workersAI.url}/client/v4/accounts/${ACCOUNT}/ai/run/${rest.slice("workers-ai/".length)}`;
  return undefined;
}

beforeAll(async () => {
  [openai, workersAI] = await Promise.all([startFakeOpenAI(), startFakeWorkersAI()]);
  gateway = createServer(async (req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    const target = upstreamOf(req.url ?? "");
    if (!target) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== "host" && name !== "content-length")) as Record<string, string>;
    const answer = await fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) });
    // Whole, not streamed: this fake checks where requests go, not how answers stream.
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" });
    res.end(body);
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  gatewayURL = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all([openai.close(), workersAI.close(), new Promise((resolve) => gateway.close(resolve))]);
});
beforeEach(() => {
  seen.length = 0;
});

const gatewayEnv = () => ({
  CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
  AI_GATEWAY_ID: GATEWAY,
  AI_GATEWAY_TOKEN: "aig-token",
  AI_GATEWAY_CACHE_TTL: "300",
  AI_GATEWAY_URL: gatewayURL,
});

describe("AI Gateway", () => {
  it("OpenAI goes to the gateway's openai path (the Responses API), with the gateway's token and cache TTL beside the key", async () => {
    setEnv({ ...gatewayEnv(), OPENAI_API_KEY: OPENAI_TEST_KEY, OPENAI_MODELS: OPENAI_MODEL });
    openai.reply({ type: "text", deltas: ["Through ", "the gateway."] });

    const result = await chat(chatBody({ text: "Hello" }));

    expect(result.text).toBe("Through the gateway.");
    expect(seen.map((request) => request.path)).toEqual([`/${ACCOUNT}/${GATEWAY}/openai/responses`]);
    expect(seen[0].headers).toMatchObject({
      authorization: `Bearer ${OPENAI_TEST_KEY}`,
      "cf-aig-authorization": "Bearer aig-token",
      "cf-aig-cache-ttl": "300",
    });
  });

  it("Workers AI over REST goes to the gateway's workers-ai path with the model", async () => {
    setEnv({ ...gatewayEnv(), CLOUDFLARE_API_TOKEN: CLOUDFLARE_TEST_TOKEN, WORKERS_AI_MODELS: WORKERS_AI_MODEL });
    workersAI.reply({ type: "text", deltas: ["Via ", "Workers AI."] });

    const result = await chat(chatBody({ text: "Hello" }));

    expect(result.text).toBe("Via Workers AI.");
    expect(seen.map((request) => request.path)).toEqual([`/${ACCOUNT}/${GATEWAY}/workers-ai/${WORKERS_AI_MODEL}`]);
    expect(seen[0].headers).toMatchObject({ authorization: `Bearer ${CLOUDFLARE_TEST_TOKEN}`, "cf-aig-authorization": "Bearer aig-token" });
  });

  it("a provider with its own base URL keeps it", async () => {
    setEnv({ ...gatewayEnv(), OPENAI_API_KEY: OPENAI_TEST_KEY, OPENAI_MODELS: OPENAI_MODEL, OPENAI_BASE_URL: openai.baseURL, OPENAI_API: "chat" });
    openai.reply({ type: "text", deltas: ["Direct."] });
    expect((await chat(chatBody({ text: "Hello" }))).text).toBe("Direct.");
    expect(seen).toEqual([]);
  });

  it("a gateway without the account id is a clear configuration error", async () => {
    setEnv({ AI_GATEWAY_ID: GATEWAY, CLOUDFLARE_ACCOUNT_ID: "", OPENAI_API_KEY: OPENAI_TEST_KEY, OPENAI_MODELS: OPENAI_MODEL });
    const refused = await postChat(chatBody({ text: "Hello" }));
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("config:ai_gateway");
  });
});
