import "server-only";
import { resolveModel } from "@/lib/ai/models";
import { createChatTools } from "@/lib/ai/tools";
import { chatsFor } from "@/lib/db/chats";
import { notesFor } from "@/lib/db/notes";
import { prepareTurn } from "./history";
import { parseChatRequest } from "./request";
import type { Session } from "./session";
import { streamChat } from "./stream";
import { generateTitle } from "./title";

/** POST /api/chat: validate, load the conversation, stream the answer, save it however it ends. */
export async function runChatTurn(session: Session, request: Request): Promise<Response> {
  const { env, db, visitorId } = session;
  const tools = createChatTools({ weatherBaseUrl: env.WEATHER_API_BASE_URL, notes: notesFor(db, visitorId) });
  const chatRequest = await parseChatRequest(request, tools);
  const { model, info } = resolveModel(env, chatRequest.model);
  const chats = chatsFor(db, visitorId);
  const turn = await prepareTurn(chats, chatRequest, tools);
  const question = turn.messages.findLast((message) => message.role === "user");

  return streamChat({
    model,
    modelInfo: info,
    messages: turn.messages,
    tools,
    approvalSecret: `tool-approval:${session.secret}`,
    signal: request.signal,
    waitUntil: session.waitUntil,
    onAnswerEnd: (answer, status) =>
      chats.saveMessage(chatRequest.id, { message: answer, status, model: info.id, usage: answer.metadata?.usage }),
    title:
      turn.needsTitle && question
        ? {
            make: () => generateTitle({ model, modelInfo: info, question, mode: env.CHAT_TITLES, signal: request.signal }),
            save: (title) => chats.setTitleIfEmpty(chatRequest.id, title),
          }
        : undefined,
  });
}
