import { resolveModel } from "@/lib/ai/models";
import { parseChatRequest } from "@/lib/chat/request";
import { streamChat } from "@/lib/chat/stream";
import { readEnv } from "@/lib/env";
import { errorResponse } from "@/lib/errors";

export async function POST(request: Request): Promise<Response> {
  try {
    const chat = await parseChatRequest(request);
    const { model, info } = resolveModel(await readEnv(), chat.model);
    return await streamChat({ model, modelInfo: info, messages: chat.messages, signal: request.signal });
  } catch (error) {
    return errorResponse(error);
  }
}
