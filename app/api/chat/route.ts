import { resolveModel } from "@/lib/ai/models";
import { createChatTools } from "@/lib/ai/tools";
import { identifyVisitor, sessionSecret } from "@/lib/chat/identity";
import { parseChatRequest } from "@/lib/chat/request";
import { streamChat } from "@/lib/chat/stream";
import { getDb } from "@/lib/db/client";
import { notesFor } from "@/lib/db/notes";
import { readEnv } from "@/lib/env";
import { errorResponse } from "@/lib/errors";

export async function POST(request: Request): Promise<Response> {
  try {
    const env = await readEnv();
    const secret = sessionSecret(env);
    const visitor = await identifyVisitor(request, secret);
    const tools = createChatTools({
      weatherBaseUrl: env.WEATHER_API_BASE_URL,
      notes: notesFor(await getDb(), visitor.visitorId),
    });
    const chat = await parseChatRequest(request, tools);
    const { model, info } = resolveModel(env, chat.model);
    const response = await streamChat({
      model,
      modelInfo: info,
      messages: chat.messages,
      tools,
      approvalSecret: `tool-approval:${secret}`,
      signal: request.signal,
    });
    if (visitor.setCookie) response.headers.append("set-cookie", visitor.setCookie);
    return response;
  } catch (error) {
    return errorResponse(error);
  }
}
