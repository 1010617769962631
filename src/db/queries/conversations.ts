/**
 * Conversation queries: one row per conversation, rewritten as it goes (the
 * journal writer's upsert), read by the API newest first.
 *
 * The API's reads never select `system_prompt` or `snapshot` (which holds the
 * prompt too): a row read for a client cannot leak what it does not contain.
 * Only `getConversationForResume` reads them, for the runtime.
 */
import { and, asc, eq, getTableColumns, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
  conversations,
  type AnalysisStatus,
  type ConversationRow,
  type ConversationStatus,
  type NewConversation,
  type StoredAnalysis,
} from "../schema.ts";
import { keysetPage } from "./keyset.ts";
import { upsertById } from "./upsert.ts";

export { InvalidCursorError } from "./cursor.ts";

/** A conversation as the API may show it: every column but the prompt and the snapshot. */
export type ConversationReadRow = Omit<ConversationRow, "systemPrompt" | "snapshot">;

const { systemPrompt: _prompt, snapshot: _snapshot, ...READ_COLUMNS } = getTableColumns(conversations);

/**
 * Batched upsert (the journal writer's path); started_at is kept (upsert.ts).
 * The analysis columns are stripped: only the post-call analyser writes them,
 * so a row rewritten after the analysis finished cannot undo it.
 */
export async function upsertConversations(db: Db, rows: readonly NewConversation[]): Promise<void> {
  await upsertById(db, conversations, rows.map(withoutAnalysis), "startedAt");
}

function withoutAnalysis(row: NewConversation): NewConversation {
  const { analysis: _a, analysisStatus: _s, analysisError: _e, analyzedAt: _t, ...rest } = row;
  return rest;
}

/** An ended conversation whose analysis is due: never started (null) or cut short by a restart (pending). */
const analysisDue = () =>
  and(eq(conversations.status, "ended"), or(isNull(conversations.analysisStatus), eq(conversations.analysisStatus, "pending")));

/**
 * Takes an ended conversation's analysis on (status → pending) and returns
 * the row to analyse; null when it is not stored, not ended, or already
 * analysed. Pending is taken again: that is a restart picking up its work.
 */
export async function claimAnalysis(db: Db, id: string): Promise<ConversationReadRow | null> {
  const [row] = await db
    .update(conversations)
    .set({ analysisStatus: "pending", analysisError: null })
    .where(and(eq(conversations.id, id), analysisDue()))
    .returning(READ_COLUMNS);
  return row ?? null;
}

export type AnalysisResult =
  | { status: "done"; analysis: StoredAnalysis }
  | { status: Exclude<AnalysisStatus, "done" | "pending">; error: string | null };

/** Stores a claimed analysis's end; false when it was not pending any more (nothing written). */
export async function finishAnalysis(db: Db, id: string, result: AnalysisResult, at: Date = new Date()): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set(
      result.status === "done"
        ? { analysisStatus: "done", analysis: result.analysis, analysisError: null, analyzedAt: at }
        : { analysisStatus: result.status, analysis: null, analysisError: result.error, analyzedAt: at },
    )
    .where(and(eq(conversations.id, id), eq(conversations.analysisStatus, "pending")))
    .returning({ id: conversations.id });
  return rows.length > 0;
}

/** Ended conversations whose analysis is due, oldest end first (start-up recovery). */
export async function dueAnalyses(db: Db, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(analysisDue())
    .orderBy(sql`${conversations.endedAt} asc nulls first`, asc(conversations.id))
    .limit(limit);
  return rows.map((r) => r.id);
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
  const conditions: SQL[] = [];
  if (opts.status) conditions.push(eq(conversations.status, opts.status));
  if (opts.callId !== undefined) conditions.push(eq(conversations.callId, opts.callId));
  const { rows, nextCursor } = await keysetPage(
    { at: conversations.startedAt, id: conversations.id },
    opts,
    conditions,
    (where, orderBy, take) => db.select(READ_COLUMNS).from(conversations).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.startedAt, id: row.id }),
  );
  return { conversations: rows, nextCursor };
}
