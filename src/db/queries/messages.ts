/**
 * Messages taken by the receptionist (take_message). Every read names its
 * sandbox flag: test-bench messages never show among real ones.
 */
import { eq, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { messages, type MessageRow, type MessageUrgency, type NewMessage } from "../schema.ts";
import { keysetPage } from "./keyset.ts";

export { InvalidCursorError } from "./cursor.ts";

export async function insertMessage(db: Db, row: NewMessage): Promise<MessageRow> {
  const [inserted] = await db.insert(messages).values(row).returning();
  return inserted!;
}

export async function getMessage(db: Db, id: string): Promise<MessageRow | null> {
  const [row] = await db.select().from(messages).where(eq(messages.id, id)).limit(1);
  return row ?? null;
}

export interface MessageFilter {
  receptionistId?: string;
  urgency?: MessageUrgency;
  conversationId?: string;
  /** Test-bench rows (true) or real ones (false, the default): never both. */
  sandbox?: boolean;
}

export interface ListMessagesOptions extends MessageFilter {
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface MessagePage {
  messages: MessageRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on (created_at, id) like calls; an odd cursor throws InvalidCursorError. */
export async function listMessages(db: Db, opts: ListMessagesOptions = {}): Promise<MessagePage> {
  const conditions: SQL[] = [eq(messages.sandbox, opts.sandbox ?? false)];
  if (opts.receptionistId) conditions.push(eq(messages.receptionistId, opts.receptionistId));
  if (opts.urgency) conditions.push(eq(messages.urgency, opts.urgency));
  if (opts.conversationId) conditions.push(eq(messages.conversationId, opts.conversationId));
  const { rows, nextCursor } = await keysetPage(
    { at: messages.createdAt, id: messages.id },
    opts,
    conditions,
    (where, orderBy, take) => db.select().from(messages).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.createdAt, id: row.id }),
  );
  return { messages: rows, nextCursor };
}
