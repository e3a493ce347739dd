import "server-only";
import { resolveModel } from "@/lib/ai/models";
import { createChatTools, withoutEmbedTools } from "@/lib/ai/tools";
import { chatsFor } from "@/lib/db/chats";
import { getDb } from "@/lib/db/client";
import { notesFor } from "@/lib/db/notes";
import { tokenLedger } from "@/lib/db/usage";
import { readEnv } from "@/lib/env";
import { answerRecorder } from "@/lib/metrics/answers";
import { meterAnswer } from "@/lib/metrics/live-meter";
import { AppError, errorResponse } from "@/lib/errors";
import { LEGACY_CHAT_CODE, RUNNER_TOKEN_HEADER, type DispatchBody } from "./conversation-core";
import { answerStream, conversationFor } from "./conversations";
import { prepareTurn } from "./history";
import { runnerToken, sessionSecret, validRunnerToken } from "./identity";
import { clientIp, enforceTurnRateLimits, reserveTurnBudget, tokensSpent, tokensUsed, turnCost, type TurnBudget } from "./limits";
import { parseChatRequest } from "./request";
import { waitUntil, type Session } from "./session";
import { embedCacheFor, shareableText } from "./embed-cache";
import { STREAM_SETTINGS, streamCachedAnswer, streamChat } from "./stream";
import { generateTitle, TITLE_MAX_TOKENS, titleAsksModel, titleFromText } from "./title";

/**
 * A chat turn, in two parts:
 * - `startChatTurn` (POST /api/chat, the visitor's request): identity, validation, rate limits; then it hands the turn
 *   to the chat's conversation object and streams back what the object streams. It owns nothing: closing the page
 *   only stops its reading.
 * - `runTurn` (POST /api/chat/run, called by the object, lib/chat/conversation-object.ts): the turn itself. It
 *   checks the turn against the history the object sent, then starts the model call at once and, alongside it, claims
 *   a new chat's id in D1 and reserves the turn's budget: its response (the answer's stream, or a JSON error) goes out
 *   once both are done, so a refused turn never reaches anyone and the first token does not wait for D1 first.
 *   At the end it stores the answer in the object and settles the budget with what the turn cost.
 */

export const TURN_SETTINGS = {
  /** The longest an answer may take: it no longer ends with its page, so this caps the model call. */
  maxAnswerMs: 5 * 60_000,
};

/** Passed from the visitor's request to the runner through the object (`TurnInput.context`). */
type TurnContext = { model: string; embedded: boolean; ip: string | null; startedAt: number };

export async function startChatTurn(session: Session, request: Request): Promise<Response> {
  const startedAt = Date.now();
  const { env, db, visitorId } = session;
  const allTools = createChatTools({ weatherBaseUrl: env.WEATHER_API_BASE_URL, notes: notesFor(db, visitorId) });
  const tools = session.embedded ? allTools : withoutEmbedTools(allTools);
  const chatRequest = await parseChatRequest(request, tools);
  // The embed preset is the server's: embedded chats use EMBED_MODEL (else the default), whatever the widget asks.
  const { info } = resolveModel(env, session.embedded ? env.EMBED_MODEL : chatRequest.model);
  // Before anything is stored: a refused turn leaves the conversation as it was.
  await session.mint();
  const ip = clientIp(request);
  await enforceTurnRateLimits({ visitorId, embedded: session.embedded, ip });
  const { id, trigger, message, messageId } = chatRequest;
  const context: TurnContext & { token: string } = {
    model: info.id,
    embedded: session.embedded,
    ip,
    startedAt,
    token: await runnerToken(session.secret),
  };
  const conversation = await conversationFor(id);
  // A copy either way: the object's response headers are immutable here, and the visitor's cookie goes on them.
  return answerStream(await conversation.startTurn({ owner: visitorId, request: { id, trigger, message, messageId }, context }));
}

/** POST /api/chat/run: only conversation objects may call it (the runner token). */
export async function runTurnRequest(request: Request): Promise<Response> {
  try {
    const env = await readEnv();
    if (!(await validRunnerToken(request.headers.get(RUNNER_TOKEN_HEADER), sessionSecret(env)))) {
      throw new AppError("not_found:api", "Not found.");
    }
    return await runTurn((await request.json()) as DispatchBody, request.signal);
  } catch (error) {
    return errorResponse(error);
  }
}

/** The turn the conversation object dispatched; `signal` fires when the object stops reading (it went away). */
export async function runTurn(body: DispatchBody, signal?: AbortSignal): Promise<Response> {
  try {
    return await runTurnUnsafe(body, signal);
  } catch (error) {
    return errorResponse(error);
  }
}

async function runTurnUnsafe(body: DispatchBody, objectGone?: AbortSignal): Promise<Response> {
  const { owner, turnId, request } = body;
  const context = body.context as TurnContext;
  const env = await readEnv();
  const secret = sessionSecret(env);
  const db = await getDb();
  const allTools = createChatTools({ weatherBaseUrl: env.WEATHER_API_BASE_URL, notes: notesFor(db, owner) });
  const tools = context.embedded ? allTools : withoutEmbedTools(allTools);
  const { info } = resolveModel(env, context.model);
  const turn = prepareTurn(body.history, { ...request, model: context.model }, tools);
  const chats = chatsFor(db, owner);
  const conversation = await conversationFor(request.id);
  const recordAnswer = await answerRecorder();
  const question = turn.messages.findLast((message) => message.role === "user");
  const makesTitle = turn.needsTitle && question !== undefined;
  const maxSteps = info.supportsTools ? STREAM_SETTINGS.maxSteps : 1;

  // What must hold before anyone sees the answer, checked while the model already works on it.
  let claimed = false;
  const claim = async () => {
    if (!body.newChat) return;
    if (await chats.create({ id: request.id, model: context.model })) {
      claimed = true;
      return;
    }
    // The id is taken: this visitor's chat from before the objects (the object imports it), or someone else's.
    if (await chats.get(request.id)) throw new AppError(LEGACY_CHAT_CODE, "This chat's history is being moved.");
    throw new AppError("not_found:chat", "This chat does not exist.");
  };
  const reserve = () =>
    reserveTurnBudget({
      env,
      secret,
      visitorId: owner,
      embedded: context.embedded,
      ip: context.ip,
      ledger: tokenLedger(db),
      cost: turnCost({
        messages: turn.messages,
        steps: maxSteps,
        maxOutputTokens: STREAM_SETTINGS.maxOutputTokens,
        titleTokens: makesTitle && titleAsksModel(env.CHAT_TITLES, info) ? TITLE_MAX_TOKENS : 0,
      }),
    });

  const start = (steps: number) => {
    const stop = new AbortController();
    // Settled once the turn is accepted (its budget) or refused (undefined). An answer that ends before (a model that
    // failed at once) waits for it: an accepted one is still saved, paid for and counted.
    let decide!: (budget: TurnBudget | undefined) => void;
    const decided = new Promise<TurnBudget | undefined>((resolve) => (decide = resolve));
    const signal = objectGone ? AbortSignal.any([stop.signal, objectGone]) : stop.signal;
    let titleTokens = 0;
    // A fresh chain per answer: it remembers which of its models answered. An answer continued after a tool approval
    // stays with the model that began it (a fallback, maybe): one answer, one model.
    const continued = turn.messages.at(-1)?.role === "assistant" ? turn.messages.at(-1)?.metadata?.model : undefined;
    const { model, answeredBy, retries } = resolveModel(env, context.model, continued);
    // Listed on /usage/live while it streams; the owner's Stop there stops it as the visitor's Stop does.
    const meter = meterAnswer({
      chatId: request.id,
      surface: context.embedded ? "embed" : "app",
      model: () => answeredBy()?.id ?? info.id,
      startedAt: context.startedAt,
      onStop: () => stop.abort(stopped()),
    });
    const response = streamChat({
      model,
      modelInfo: info,
      answeredBy,
      messages: turn.messages,
      tools,
      maxSteps: steps,
      extraInstructions: context.embedded ? embedInstructions(env.EMBED_INSTRUCTIONS) : undefined,
      approvalSecret: `tool-approval:${secret}`,
      signal,
      stallMs: env.UPSTREAM_STALL_MS,
      maxDurationMs: TURN_SETTINGS.maxAnswerMs,
      startedAt: context.startedAt,
      meter,
      // Only an accepted turn is saved, paid for and counted. The charge does not depend on the save.
      onAnswerEnd: async (answer, status, stats) => {
        const budget = await decided;
        if (!budget) return;
        // Only a finished answer carries this turn's usage: a continued answer that stopped still holds the last one's.
        const spent = status === "complete" ? answer.metadata?.usage : undefined;
        const saved = { ...answer, metadata: { ...answer.metadata, ...(spent ? { usage: spent } : {}) } };
        const shared = status === "complete" && embedCache ? shareableText(answer) : undefined;
        recordAnswer({
            ...stats,
            ...tokensUsed(spent, turn.messages, answer),
            surface: context.embedded ? "embed" : "app",
            visitorId: owner,
            // Its conversation object went away mid-answer (a restart): the answer is kept as interrupted.
            status: objectGone?.aborted ? "interrupted" : status,
            model: saved.metadata.model ?? info.id,
            fallbackFrom: saved.metadata.fallbackFrom,
            retries: retries(),
            cacheHit: false,
        });
        const work = Promise.allSettled([
          budget.settle(tokensSpent(spent, turn.messages, answer) + titleTokens),
          conversation.saveAnswer(turnId, saved, status),
          chats.touch(request.id, info.id),
          ...(shared ? [embedCache!.put(shared)] : []),
        ]).then((results) => {
          for (const result of results) if (result.status === "rejected") console.error("ending the answer:", result.reason);
        });
        waitUntil(work);
        await work;
      },
      title:
        makesTitle && question
          ? {
              make: async () => {
                // Its own chain: what the answer's remembers is the answer's.
                const { model, answeredBy } = resolveModel(env, context.model);
                const title = await generateTitle({ model, modelInfo: info, answeredBy, question, mode: env.CHAT_TITLES, signal });
                titleTokens = title.tokens;
                return title.text;
              },
              save: (title) => chats.setTitleIfEmpty(request.id, title),
            }
          : undefined,
    });
    return { stop, response, decide };
  };

  // An embedded chat's opening question another visitor already asked: their answer, without a model call.
  const embedCache = await embedCacheFor(env, { embedded: context.embedded, model: info.id, history: body.history, messages: turn.messages });
  const sharedAnswer = await embedCache?.get();
  if (sharedAnswer !== undefined) {
    await claim();
    const title = makesTitle && question ? titleFromText(shareableText(question) ?? "") : undefined;
    return streamCachedAnswer({
      text: sharedAnswer,
      modelInfo: info,
      messages: turn.messages,
      title,
      onAnswerEnd: async (answer) => {
        recordAnswer({
            surface: "embed",
            visitorId: owner,
            startedAt: context.startedAt,
            status: "complete",
            model: info.id,
            ttftMs: Date.now() - context.startedAt,
            ...tokensUsed(undefined, turn.messages, answer),
            toolCalls: 0,
            retries: 0,
            cacheHit: true,
        });
        const work = Promise.allSettled([
          conversation.saveAnswer(turnId, answer, "complete"),
          chats.touch(request.id, info.id),
          ...(title ? [chats.setTitleIfEmpty(request.id, title)] : []),
        ]);
        waitUntil(work);
        await work;
      },
    });
  }

  let turnRun = start(maxSteps);
  let accepted: TurnBudget;
  try {
    [, accepted] = await Promise.all([claim(), reserve()]);
  } catch (error) {
    turnRun.decide(undefined);
    turnRun.stop.abort();
    void (await turnRun.response).body?.cancel();
    // A refused turn leaves nothing behind: not even the new chat's row (it would list an empty chat).
    if (claimed) await chats.remove(request.id).catch(() => {});
    throw error;
  }
  if (accepted.steps < maxSteps) {
    // The budget left pays for fewer steps: run the turn again within them (rare: the day's budget is nearly spent).
    turnRun.decide(undefined);
    turnRun.stop.abort();
    void (await turnRun.response).body?.cancel();
    turnRun = start(accepted.steps);
  }
  turnRun.decide(accepted);
  const { stop } = turnRun;
  // Stop (POST /api/chat/[id]/stop) reaches the object, which answers this call.
  void conversation.whenStopped(turnId).then(
    (wasStopped) => wasStopped && stop.abort(stopped()),
    () => {},
  );
  return turnRun.response;
}

/** The reason a Stop aborts an answer with. */
const stopped = () => new DOMException("The answer was stopped.", "AbortError");

/** What an embedded chat is told on top of the usual instructions (EMBED_INSTRUCTIONS is the site owner's). */
function embedInstructions(custom: string | undefined): string {
  return [
    "You are embedded in another website as its chat widget. Use getPageContext when the user asks about the page or site they are on.",
    ...(custom ? [custom] : []),
  ].join("\n");
}
