/**
 * Conversation queries: one row per conversation, rewritten as it goes (the
 * journal writer's upsert), read by the API newest first.
 *
 * The API's reads never select `system_prompt` or `snapshot` (which holds the
 * prompt too): a row read for a client cannot leak what it does not contain.
 * Only `getConversationForResume` reads them, for the runtime.
 */
import { and, desc, eq, getTableColumns, inArray, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { conversations, type ConversationRow, type ConversationStatus, type NewConversation } from "../schema.ts";
import { decodeCursor, encodeCursor, pageSize } from "./cursor.ts";
import { upsertById } from "./upsert.ts";

export { InvalidCursorError } from "./cursor.ts";

/** A conversation as the API may show it: every column but the prompt and the snapshot. */
export type ConversationReadRow = Omit<ConversationRow, "systemPrompt" | "snapshot">;

const { systemPrompt: _prompt, snapshot: _snapshot, ...READ_COLUMNS } = getTableColumns(conversations);

/** Batched upsert (the journal writer's path); started_at is kept (upsert.ts). */
export async function upsertConversations(db: Db, rows: readonly NewConversation[]): Promise<void> {
  await upsertById(db, conversations, rows, "startedAt");
}

export async function getConversation(db: Db, id: string): Promise<ConversationReadRow | null> {
  const [row] = await db.select(READ_COLUMNS).from(conversations).where(eq(conversations.id, id)).limit(1);
  return row ?? null;
}

/** The whole row, prompt and persisted snapshot included: for the runtime (resume, audit), never for a client. */
export async function getConversationForResume(db: Db, id: string): Promise<ConversationRow | null> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  return row ?? null;
}

/** A call's conversations, oldest first (one in practice). */
export async function conversationsForCall(db: Db, callId: string): Promise<ConversationReadRow[]> {
  return db
    .select(READ_COLUMNS)
    .from(conversations)
    .where(eq(conversations.callId, callId))
    .orderBy(conversations.startedAt, conversations.id);
}

/** The latest conversation id of each call that has one (one query for a page of calls). */
export async function latestConversationIds(db: Db, callIds: readonly string[]): Promise<Map<string, string>> {
  const latest = new Map<string, string>();
  if (callIds.length === 0) return latest;
  const rows = await db
    .select({ id: conversations.id, callId: conversations.callId })
    .from(conversations)
    .where(inArray(conversations.callId, [...new Set(callIds)]))
    .orderBy(conversations.startedAt, conversations.id);
  for (const row of rows) latest.set(row.callId, row.id);
  return latest;
}

export interface ConversationFilter {
  status?: ConversationStatus;
  callId?: string;
}

export interface ListConversationsOptions extends ConversationFilter {
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface ConversationPage {
  conversations: ConversationReadRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/**
 * Newest first, keyset-paginated on (started_at, id) like calls: a page stays
 * stable while new conversations start, and deep pages cost the same as the
 * first. An odd cursor throws InvalidCursorError.
 */
export async function listConversations(db: Db, opts: ListConversationsOptions = {}): Promise<ConversationPage> {
  const limit = pageSize(opts.limit);
  const conditions: SQL[] = [];
  if (opts.status) conditions.push(eq(conversations.status, opts.status));
  if (opts.callId !== undefined) conditions.push(eq(conversations.callId, opts.callId));
  if (opts.cursor) {
    const { at, id } = decodeCursor(opts.cursor);
    conditions.push(or(lt(conversations.startedAt, at), and(eq(conversations.startedAt, at), lt(conversations.id, id)))!);
  }
  const rows = await db
    .select(READ_COLUMNS)
    .from(conversations)
    .where(and(...conditions))
    .orderBy(desc(conversations.startedAt), desc(conversations.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { conversations: page, nextCursor: rows.length > limit && last ? encodeCursor(last.startedAt, last.id) : null };
}
