/**
 * A conversation's storage in its Durable Object's SQLite (ctx.storage.sql): the owner, the messages in order, the
 * latest turn and its stream's checkpoints (one row per batch). Kept apart from the object so Node tests can run it
 * on node:sqlite.
 */
import type { ConversationStore, TurnRecord } from "./conversation-core";
import type { ChatMessage } from "./types";

/** The part of workerd's SqlStorage this uses. */
export type Sql = {
  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): { toArray(): T[]; rowsWritten?: number };
};

export class SqlConversationStore implements ConversationStore {
  /** Rows written so far (what Durable Object SQLite bills), for the bench. */
  rowsWritten = 0;

  constructor(private readonly storage: Sql) {
    storage.exec(`CREATE TABLE IF NOT EXISTS info (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, pos INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS turn (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (seq INTEGER PRIMARY KEY, text TEXT NOT NULL);`);
  }

  /** Runs a statement, counting the rows it wrote. */
  private readonly sql = {
    exec: <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]) => {
      const cursor = this.storage.exec<T>(query, ...bindings);
      this.rowsWritten += cursor.rowsWritten ?? 0;
      return cursor;
    },
  };

  loadOwner(): string | undefined {
    return this.sql.exec<{ owner: string }>("SELECT owner FROM info WHERE id = 1").toArray()[0]?.owner;
  }

  saveOwner(owner: string): void {
    this.sql.exec("INSERT OR REPLACE INTO info (id, owner) VALUES (1, ?)", owner);
  }

  loadMessages(): ChatMessage[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM messages ORDER BY pos")
      .toArray()
      .map((row) => JSON.parse(row.body) as ChatMessage);
  }

  putMessage(message: ChatMessage): void {
    // Keyed by id alone (one row written per save, no second index); an answer saved again keeps its place.
    this.sql.exec(
      `INSERT INTO messages (id, pos, body) VALUES (?1, (SELECT coalesce(max(pos), 0) + 1 FROM messages), ?2)
       ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      message.id,
      JSON.stringify(message),
    );
  }

  deleteMessagesFrom(id: string): void {
    this.sql.exec("DELETE FROM messages WHERE pos >= (SELECT pos FROM messages WHERE id = ?)", id);
  }

  loadTurn(): TurnRecord | undefined {
    const body = this.sql.exec<{ body: string }>("SELECT body FROM turn WHERE id = 1").toArray()[0]?.body;
    return body ? (JSON.parse(body) as TurnRecord) : undefined;
  }

  saveTurn(turn: TurnRecord): void {
    this.sql.exec("INSERT OR REPLACE INTO turn (id, body) VALUES (1, ?)", JSON.stringify(turn));
  }

  loadChunks(): string[] {
    return this.sql
      .exec<{ text: string }>("SELECT text FROM chunks ORDER BY seq")
      .toArray()
      .map((row) => row.text);
  }

  addChunk(seq: number, text: string): void {
    this.sql.exec("INSERT OR REPLACE INTO chunks (seq, text) VALUES (?, ?)", seq, text);
  }

  clearChunks(): void {
    this.sql.exec("DELETE FROM chunks");
  }

  clear(): void {
    this.sql.exec("DELETE FROM info; DELETE FROM messages; DELETE FROM turn; DELETE FROM chunks;");
  }
}
