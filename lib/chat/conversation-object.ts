/**
 * Conversation: the Durable Object that owns one chat (wrangler.toml CONVERSATION; one object per chat id, named by
 * it). Its logic is lib/chat/conversation-core.ts; this file gives it the object's SQLite storage, the runner
 * (POST /api/chat/run through the WORKER_SELF_REFERENCE binding: a request this object holds open, so the model call
 * belongs to the object, never to the visitor's request) and its alarm. Routes reach it through
 * lib/chat/conversations.ts. Exported by the worker entry (lib/worker.ts); never imported by Next code.
 */
import { DurableObject } from "cloudflare:workers";
import { forgetLegacyMessages, readLegacyChat } from "@/lib/db/legacy-messages";
import { AppError, type ErrorCode } from "@/lib/errors";
import { SqlConversationStore } from "./conversation-sql-store";
import {
  ConversationCore,
  type DispatchBody,
  type History,
  type TurnInput,
  type Caller,
  RUNNER_PATH,
  RUNNER_TOKEN_HEADER,
} from "./conversation-core";
import type { ChatMessage, MessageStatus } from "./types";

/**
 * A refusal (404, 409) as a value: an error thrown by an RPC method reaches the caller without its class and is
 * logged by workerd as uncaught, so the object's "not found" would fill the logs. lib/chat/conversations.ts throws it
 * again as the AppError it was.
 */
export type Outcome<T> = { value: T } | { error: { code: ErrorCode; message: string } };

async function outcome<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run() };
  } catch (error) {
    if (error instanceof AppError) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}

export class Conversation extends DurableObject<CloudflareEnv> {
  private readonly core: ConversationCore;

  constructor(ctx: DurableObjectState, env: CloudflareEnv) {
    super(ctx, env);
    this.core = new ConversationCore({
      store: new SqlConversationStore(ctx.storage.sql),
      dispatch: (body: DispatchBody) => {
        const { token, ...rest } = body.context as { token?: string };
        if (!env.WORKER_SELF_REFERENCE) throw new Error("The worker has no WORKER_SELF_REFERENCE binding (wrangler.toml).");
        return env.WORKER_SELF_REFERENCE.fetch(`https://conversation${RUNNER_PATH}`, {
          method: "POST",
          headers: { "content-type": "application/json", [RUNNER_TOKEN_HEADER]: token ?? "" },
          body: JSON.stringify({ ...body, context: rest }),
        });
      },
      importLegacy: (chatId) => readLegacyChat(env.DB, chatId),
      forgetLegacy: (chatId) => forgetLegacyMessages(env.DB, chatId),
      setAlarm: (at) => ctx.storage.setAlarm(at),
      keepAlive: (task) => ctx.waitUntil(task),
      // `npm run bench` reads what each turn cost from the worker's log (on loopback bench workers only).
      onTurnEnd: (env as { BENCH_RAW_PIPE?: string }).BENCH_RAW_PIPE
        ? (stats) => console.log(`bench: conversation turn ${JSON.stringify(stats)}`)
        : undefined,
    });
  }

  startTurn(input: TurnInput): Promise<Response> {
    return this.core.startTurn(input);
  }

  saveAnswer(turnId: string, message: ChatMessage, status: MessageStatus): void {
    this.core.saveAnswer(turnId, message, status);
  }

  whenStopped(turnId: string): Promise<boolean> {
    return this.core.whenStopped(turnId);
  }

  stop(caller: Caller): Promise<Outcome<{ stopped: boolean }>> {
    return outcome(() => this.core.stop(caller));
  }

  history(caller: Caller): Promise<Outcome<History>> {
    return outcome(() => this.core.history(caller));
  }

  resume(caller: Caller, known: string | null): Promise<Outcome<Response | null>> {
    return outcome(() => this.core.resume(caller, known));
  }

  listen(caller: Caller): Promise<Outcome<Response>> {
    return outcome(() => this.core.listen(caller));
  }

  adopt(owner: string, messages: ChatMessage[]): Promise<Outcome<void>> {
    return outcome(() => this.core.adopt(owner, messages));
  }

  clear(caller: Caller): Promise<Outcome<void>> {
    return outcome(() => this.core.clear(caller));
  }

  alarm(): Promise<void> {
    return this.core.alarm();
  }
}
