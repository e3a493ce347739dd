/**
 * Messages stored in D1 before each conversation got its own object (lib/chat/conversation-core.ts): a chat's first
 * use after the upgrade imports them into its object and deletes them here. Plain D1 SQL, no Drizzle: the Durable
 * Object runs it, outside the Next bundle.
 */
import type { ChatMessage, MessageStatus } from "@/lib/chat/types";

type Row = { id: string; role: "user" | "assistant"; parts: string; status: MessageStatus; model: string | null; usage: string | null };

/** The chat's owner and its D1 messages, oldest first; undefined when D1 has no such chat. */
export async function readLegacyChat(db: D1Database, chatId: string): Promise<{ owner: string; messages: ChatMessage[] } | undefined> {
  const [chat, rows] = await db.batch([
    db.prepare("SELECT owner_id FROM chats WHERE id = ?1").bind(chatId),
    db.prepare("SELECT id, role, parts, status, model, usage FROM messages WHERE chat_id = ?1 ORDER BY created_at, rowid").bind(chatId),
  ]);
  const owner = (chat.results[0] as { owner_id: string } | undefined)?.owner_id;
  if (!owner) return undefined;
  const messages = (rows.results as Row[]).map((row) => ({
    id: row.id,
    role: row.role,
    parts: JSON.parse(row.parts) as ChatMessage["parts"],
    metadata: {
      status: row.status,
      ...(row.model ? { model: row.model } : {}),
      ...(row.usage ? { usage: JSON.parse(row.usage) } : {}),
    },
  }));
  return { owner, messages };
}

export async function forgetLegacyMessages(db: D1Database, chatId: string): Promise<void> {
  await db.prepare("DELETE FROM messages WHERE chat_id = ?1").bind(chatId).run();
}
