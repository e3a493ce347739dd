import { createHmac, randomUUID } from "node:crypto";
import { request as playwrightRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { ChatPage } from "./pages/chat-page";
import { expect, randomClientIp, test, uniquePrompt } from "./fixtures";
import { E2E_SESSION_SECRET, HOST_PAGE_URL, WORKER_URL } from "../support/e2e-env";
import { policyDirectives } from "../support/csp";
import { startTestWorker, type TestWorker } from "../support/e2e-worker";

/**
 * The identity issue's attacks, each replayed against the production worker in workerd and shown to fail: the
 * "Open in edge-chat" hijack, replayed codes, revoked and expired embed tokens, /embed/open in a frame, an oversized
 * approval reason, a worker deployed without SESSION_SECRET, and limits that a new identity cannot reset.
 */
test.describe.configure({ mode: "serial" });

type ErrorBody = { error: { code: string; message: string } };
const TOKEN = "x-edge-chat-token";

/** An API client of its own (its own cookies), at an address of its own. */
function client(baseURL = WORKER_URL, ip = randomClientIp()): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { "cf-connecting-ip": ip } });
}

function userMessage(text: string) {
  return { id: `m-${randomUUID()}`, role: "user", parts: [{ type: "text", text }] };
}

/** One chat turn through the API; the answer is read to its end. */
async function turn(api: APIRequestContext, text: string, headers: Record<string, string> = {}, id = `chat-${randomUUID()}`) {
  const response = await api.post("/api/chat", { headers, data: { id, message: userMessage(text) } });
  const body = await response.text();
  return { id, status: response.status(), body };
}

async function errorOf(response: APIResponse): Promise<ErrorBody["error"]> {
  return ((await response.json()) as ErrorBody).error;
}

/** A widget's visitor, as an attacker gets one: the token the widget would get on an allowed host. */
async function widgetVisitor() {
  const api = await client();
  const session = await api.post("/api/embed/session", { headers: { origin: HOST_PAGE_URL } });
  expect(session.status()).toBe(200);
  const { token } = (await session.json()) as { token: string };
  return { api, token };
}

/** An embed token signed as the server signs them (lib/chat/identity.ts), issued at `issuedAt`. */
function signedToken(visitorId: string, version: number, issuedAt: Date, secret = E2E_SESSION_SECRET): string {
  const claims = `${visitorId}.${version}.${Math.floor(issuedAt.getTime() / 1000)}`;
  const signature = createHmac("sha256", secret).update(`edge-chat/embed-visitor/v2:${claims}`).digest("base64url");
  return `${claims}.${signature}`;
}

test.describe("identity", () => {
  test("a link from someone else's widget never makes this browser theirs: it gets a copy, and they see nothing of it", async ({ chat, page }, testInfo) => {
    const attacker = await widgetVisitor();
    const bait = await turn(attacker.api, "Attacker's bait conversation", { [TOKEN]: attacker.token });
    expect(bait.status).toBe(200);
    const minted = await attacker.api.post("/api/embed/handoff", { headers: { [TOKEN]: attacker.token }, data: { chatId: bait.id } });
    expect(minted.status()).toBe(200);
    const { code } = (await minted.json()) as { code: string };

    // The old link (the widget's token in the fragment) now does nothing at all.
    await page.goto(`/embed/open#chat=${bait.id}&token=${attacker.token}`);
    await expect(page).toHaveURL(`${WORKER_URL}/`);
    // The new one opens a copy of the attacker's chat, for this browser's own new visitor.
    await page.goto(`/embed/open#code=${code}`);
    await expect(page).toHaveURL(new RegExp(`^${WORKER_URL}/chat/[\\w-]+$`));
    expect(page.url()).not.toContain(bait.id);
    await expect(chat.userMessages.first()).toContainText("Attacker's bait conversation");

    // The victim goes on: a new chat with something private.
    await chat.open();
    const secret = uniquePrompt("My card PIN is 4242", testInfo);
    await chat.send(secret);
    await chat.expectAnswered();
    const victimChat = await chat.chatIdFromUrl();

    // The attacker's token sees only its own chat, and not the victim's.
    const listed = (await (await attacker.api.get("/api/chats", { headers: { [TOKEN]: attacker.token } })).json()) as {
      chats: { id: string }[];
    };
    expect(listed.chats.map((item) => item.id)).toEqual([bait.id]);
    expect((await attacker.api.get(`/api/chats/${victimChat}`, { headers: { [TOKEN]: attacker.token } })).status()).toBe(404);
    await attacker.api.dispose();
  });

  test("a code works once: opened again (or by anyone else) it says it has expired", async ({ browser }) => {
    const widget = await widgetVisitor();
    const chat = await turn(widget.api, "A chat to open twice", { [TOKEN]: widget.token });
    const { code } = (await (await widget.api.post("/api/embed/handoff", { headers: { [TOKEN]: widget.token }, data: { chatId: chat.id } })).json()) as {
      code: string;
    };
    for (const expected of ["opens", "refused"]) {
      const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
      const page = await context.newPage();
      await page.goto(`${WORKER_URL}/embed/open#code=${code}`);
      if (expected === "opens") await expect(page).toHaveURL(/\/chat\/[\w-]+$/);
      else await expect(page.getByRole("alert").filter({ hasText: "This link has expired or was already used." })).toBeVisible();
      await context.close();
    }
    await widget.api.dispose();
  });

  test("embed tokens: only for the widget or an allowed host, never from the app's cookie; revoked and expired ones are refused", async () => {
    const api = await client();
    // No Origin (a script outside a browser) or a page that is not allowed: no token.
    expect(await errorOf(await api.post("/api/embed/session"))).toMatchObject({ code: "forbidden:origin" });
    expect((await api.post("/api/embed/session", { headers: { origin: "http://127.0.0.1:9" } })).status()).toBe(403);

    // The app's cookie does not turn into a token that page scripts could read.
    const app = await turn(api, "I am the app's visitor");
    expect(app.status).toBe(200);
    const fromApp = (await (await api.post("/api/embed/session", { headers: { origin: WORKER_URL } })).json()) as { token: string };
    const tokenChats = (await (await api.get("/api/chats", { headers: { [TOKEN]: fromApp.token } })).json()) as { chats: unknown[] };
    expect(tokenChats.chats).toEqual([]);

    // Revoked: every token of the visitor stops working, and asking again gives a new visitor, not the old one.
    const widget = await widgetVisitor();
    expect((await widget.api.get("/api/chats", { headers: { [TOKEN]: widget.token } })).status()).toBe(200);
    expect((await widget.api.delete("/api/embed/session", { headers: { [TOKEN]: widget.token } })).status()).toBe(204);
    const revoked = await widget.api.get("/api/chats", { headers: { [TOKEN]: widget.token } });
    expect(revoked.status()).toBe(401);
    expect(await errorOf(revoked)).toMatchObject({ code: "unauthorized:embed" });
    const again = (await (await widget.api.post("/api/embed/session", { headers: { origin: HOST_PAGE_URL, [TOKEN]: widget.token } })).json()) as {
      token: string;
    };
    expect(again.token.split(".")[0]).not.toBe(widget.token.split(".")[0]);

    // Expired: signed right (as the server signs), but issued 31 days ago. The same token issued now works.
    const visitorId = randomUUID();
    expect((await api.get("/api/chats", { headers: { [TOKEN]: signedToken(visitorId, 0, new Date()) } })).status()).toBe(200);
    const old = signedToken(visitorId, 0, new Date(Date.now() - 31 * 24 * 3600 * 1000));
    expect((await api.get("/api/chats", { headers: { [TOKEN]: old } })).status()).toBe(401);
    await Promise.all([api.dispose(), widget.api.dispose()]);
  });

  test("/embed/open (it changes what this browser holds) cannot be framed, even by an allowed host; /embed can", async ({ page, request }) => {
    const open = (await request.get("/embed/open")).headers();
    expect(policyDirectives(open["content-security-policy"]).get("frame-ancestors")).toEqual(["'none'"]);
    expect(open["x-frame-options"]).toBe("DENY");
    const embed = (await request.get("/embed")).headers();
    expect(policyDirectives(embed["content-security-policy"]).get("frame-ancestors")).toEqual([HOST_PAGE_URL]);

    await page.goto(`${HOST_PAGE_URL}/frame?src=/embed/open`);
    await page.waitForTimeout(1_500);
    await expect(page.frameLocator("#framed").getByText("Opening your conversation")).toHaveCount(0);
  });

  test("an approval reason over 2 KB is refused and the answer keeps waiting for a real one", async () => {
    const api = await client();
    const asked = await turn(api, "Save a note: buy milk");
    expect(asked.status).toBe(200);
    type Stored = { messages: { id: string; role: string; parts: { type: string; state?: string; approval?: { id: string } }[] }[] };
    const stored = async () => (await (await api.get(`/api/chats/${asked.id}`)).json()) as Stored;
    const answer = (await stored()).messages.at(-1)!;
    const part = answer.parts.find((candidate) => candidate.type === "tool-saveNote")!;
    expect(part.state).toBe("approval-requested");
    const responded = {
      ...answer,
      parts: answer.parts.map((candidate) =>
        candidate === part ? { ...part, state: "approval-responded", approval: { ...part.approval, approved: false, reason: "x".repeat(3_000) } } : candidate,
      ),
    };
    const refused = await api.post("/api/chat", { data: { id: asked.id, message: responded } });
    expect(refused.status()).toBe(413);
    expect(await errorOf(refused)).toMatchObject({ code: "payload_too_large:chat" });
    expect((await stored()).messages.at(-1)!.parts.find((candidate) => candidate.type === "tool-saveNote")?.state).toBe("approval-requested");
    await api.dispose();
  });
});

test.describe("a worker deployed without SESSION_SECRET", () => {
  let worker: TestWorker;
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    worker = await startTestWorker({ AS_DEPLOYED_WITHOUT_SECRET: "1", ENABLE_DEMO_MODEL: "1" });
  });
  test.afterAll(async () => worker?.stop());

  test("refuses chats with a clear error and logs why; a cookie forged with the old public key gets nothing", async ({ browser }) => {
    const api = await client(worker.url);
    const visitorId = randomUUID();
    const forgedSignature = createHmac("sha256", "edge-chat: public fallback secret, set SESSION_SECRET")
      .update(`edge-chat/visitor/v1:${visitorId}`)
      .digest("base64url");
    const cookie = `edge_chat_visitor=${visitorId}.${forgedSignature}`;
    for (const response of [
      await api.post("/api/chat", { headers: { cookie }, data: { id: "c", message: userMessage("hello") } }),
      await api.get("/api/chats", { headers: { cookie } }),
    ]) {
      expect(response.status()).toBe(500);
      expect(await errorOf(response)).toEqual({ code: "config:secret", message: expect.stringContaining("SESSION_SECRET") });
    }
    await expect.poll(() => worker.log()).toContain("SESSION_SECRET is not set");

    // The person at the page is told, too.
    const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": randomClientIp() } });
    const chat = new ChatPage(await context.newPage());
    await chat.page.goto(worker.url);
    await chat.send("Hello?");
    await expect(chat.errorBanner).toContainText("SESSION_SECRET");
    await Promise.all([api.dispose(), context.close()]);
  });
});

test.describe("limits that a new identity cannot reset", () => {
  let worker: TestWorker;
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    // One step of a short turn reserves ~4,100 tokens (its input + 4,096 out): a visitor's budget fits one step, an
    // address's two.
    worker = await startTestWorker({
      SESSION_SECRET: "e2e-strict-worker-secret",
      ENABLE_DEMO_MODEL: "1",
      DEMO_DELAY_MS: "20",
      DAILY_TOKEN_BUDGET: "6000",
      DAILY_IP_TOKEN_BUDGET: "9000",
      BENCH_RAW_PIPE: "1",
    });
  });
  test.afterAll(async () => worker?.stop());

  test("a burst of cookie-less turns from one address shares that address's budget", async () => {
    const ip = randomClientIp();
    const apis = await Promise.all(Array.from({ length: 10 }, () => client(worker.url, ip)));
    const results = await Promise.all(apis.map((api, i) => turn(api, `New me number ${i}`)));
    const ok = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 429);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(2);
    expect(refused).toHaveLength(10 - ok.length);
    for (const result of refused) expect(JSON.parse(result.body).error.code).toBe("rate_limit:ip_budget");
    await Promise.all(apis.map((api) => api.dispose()));
  });

  test("ten turns at once against a budget that fits one: one answer, nine refusals", async () => {
    const api = await client(worker.url);
    expect((await turn(api, "First, to be a visitor")).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => turn(api, `At once ${i}`)));
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    const refused = results.filter((result) => result.status === 429);
    expect(refused).toHaveLength(9);
    for (const result of refused) expect(JSON.parse(result.body).error.code).toBe("rate_limit:budget");
    await api.dispose();
  });

  test("the bench's raw pipe never answers a client that is not this machine, whatever the worker's vars say", async () => {
    const api = await client(worker.url, "203.0.113.5");
    const remote = await api.get("/api/bench/raw?prompt=hi");
    expect(remote.status()).toBe(404);
    // From this machine the route is there (and says it has no upstream): so the 404 above is the refusal.
    const local = await api.get("/api/bench/raw?prompt=hi", { headers: { "cf-connecting-ip": "127.0.0.1" } });
    expect(await errorOf(local)).toMatchObject({ code: "config:bench" });
    await api.dispose();
  });
});
