import "server-only";
import { resolveModel } from "@/lib/ai/models";
import { createChatTools, withoutEmbedTools } from "@/lib/ai/tools";
import { chatsFor, type ChatStore } from "@/lib/db/chats";
import { notesFor } from "@/lib/db/notes";
import { tokenLedger } from "@/lib/db/usage";
import { prepareTurn } from "./history";
import { clientIp, enforceTurnRateLimits, reserveTurnBudget, tokensSpent, turnCost } from "./limits";
import { parseChatRequest } from "./request";
import { openResumableStream, RESUMABLE_SETTINGS, streamRooms, type ResumableStream } from "./resumable";
import type { Session } from "./session";
import { STREAM_SETTINGS, streamChat } from "./stream";
import { generateTitle, TITLE_MAX_TOKENS, titleAsksModel } from "./title";

/**
 * POST /api/chat: validate, check the limits, load the conversation, reserve the turn's budget, store the question,
 * stream the answer, save it however it ends and settle the budget with what it cost.
 */
export async function runChatTurn(session: Session, request: Request): Promise<Response> {
  const { env, db, visitorId } = session;
  const allTools = createChatTools({ weatherBaseUrl: env.WEATHER_API_BASE_URL, notes: notesFor(db, visitorId) });
  const tools = session.embedded ? allTools : withoutEmbedTools(allTools);
  const chatRequest = await parseChatRequest(request, tools);
  // The embed preset is the server's: embedded chats use EMBED_MODEL (else the default), whatever the widget asks.
  const { model, info } = resolveModel(env, session.embedded ? env.EMBED_MODEL : chatRequest.model);
  // Before anything is stored: a refused turn leaves the conversation as it was.
  await session.mint();
  const ip = clientIp(request);
  await enforceTurnRateLimits({ visitorId, embedded: session.embedded, ip });
  const chats = chatsFor(db, visitorId);
  const turn = await prepareTurn(chats, chatRequest, tools);
  const question = turn.messages.findLast((message) => message.role === "user");
  const makesTitle = turn.needsTitle && question !== undefined;
  const budget = await reserveTurnBudget({
    env,
    secret: session.secret,
    visitorId,
    embedded: session.embedded,
    ip,
    ledger: tokenLedger(db),
    cost: turnCost({
      messages: turn.messages,
      steps: info.supportsTools ? STREAM_SETTINGS.maxSteps : 1,
      maxOutputTokens: STREAM_SETTINGS.maxOutputTokens,
      titleTokens: makesTitle && titleAsksModel(env.CHAT_TITLES, info) ? TITLE_MAX_TOKENS : 0,
    }),
  });
  let resumable: ResumableStream | undefined;
  try {
    await turn.commit();
    // A resumable answer (where the worker has stream rooms) outlives its request: it stops through POST …/stop.
    resumable = await openResumable(chats, chatRequest.id);
    const signal = resumable?.signal ?? request.signal;
    let titleTokens = 0;
    return await streamChat({
      model,
      modelInfo: info,
      messages: turn.messages,
      tools,
      maxSteps: budget.steps,
      extraInstructions: session.embedded ? embedInstructions(env.EMBED_INSTRUCTIONS) : undefined,
      approvalSecret: `tool-approval:${session.secret}`,
      signal,
      stallMs: env.UPSTREAM_STALL_MS,
      maxDurationMs: resumable ? RESUMABLE_SETTINGS.maxAnswerMs : undefined,
      resumable,
      waitUntil: session.waitUntil,
      // The chat keeps the room's id after the save (lib/chat/resumable.ts): the room knows the answer has ended.
      // The charge does not depend on the save: a chat deleted mid-answer is still paid for.
      onAnswerEnd: async (answer, status) => {
        // Only a finished answer carries this turn's usage: a continued answer that stopped still holds the last one's.
        const spent = status === "complete" ? answer.metadata?.usage : undefined;
        const results = await Promise.allSettled([
          budget.settle(tokensSpent(spent, turn.messages, answer) + titleTokens),
          chats.saveMessage(chatRequest.id, { message: answer, status, model: info.id, usage: spent }),
        ]);
        for (const result of results) if (result.status === "rejected") console.error("ending the answer:", result.reason);
      },
      title:
        makesTitle && question
          ? {
              make: async () => {
                const title = await generateTitle({ model, modelInfo: info, question, mode: env.CHAT_TITLES, signal });
                titleTokens = title.tokens;
                return title.text;
              },
              save: (title) => chats.setTitleIfEmpty(chatRequest.id, title),
            }
          : undefined,
    });
  } catch (error) {
    // No answer: nothing was spent.
    await Promise.allSettled([
      budget.settle(0),
      ...(resumable ? [resumable.abandon(), chats.clearActiveStream(chatRequest.id, resumable.id)] : []),
    ]);
    throw error;
  }
}

/** What an embedded chat is told on top of the usual instructions (EMBED_INSTRUCTIONS is the site owner's). */
function embedInstructions(custom: string | undefined): string {
  return [
    "You are embedded in another website as its chat widget. Use getPageContext when the user asks about the page or site they are on.",
    ...(custom ? [custom] : []),
  ].join("\n");
}

/** Opens the answer's stream room and records it as the chat's active stream; undefined without rooms. */
async function openResumable(chats: ChatStore, chatId: string): Promise<ResumableStream | undefined> {
  const rooms = await streamRooms();
  if (!rooms) return undefined;
  let resumable: ResumableStream;
  try {
    resumable = await openResumableStream(rooms);
  } catch (error) {
    console.error("resumable stream: no stream room, this answer will not be resumable:", error);
    return undefined;
  }
  await chats.setActiveStream(chatId, resumable.id);
  return resumable;
}
