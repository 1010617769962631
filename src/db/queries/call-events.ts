/** The append-only call journal. */
import { and, asc, eq, gt, inArray, max } from "drizzle-orm";
import type { Db } from "../client.ts";
import { callEvents, type CallEventRow, type NewCallEvent } from "../schema.ts";

/**
 * Rows per INSERT statement. PostgreSQL's wire protocol allows 65535 bind
 * parameters per statement; at 6 columns a row this stays well under it.
 */
export const MAX_ROWS_PER_STATEMENT = 5000;

export interface AppendOutcome {
  /** Rows written now. */
  inserted: number;
  /** Rows whose (call_id, seq) was already journalled (a replay), ignored. */
  duplicates: number;
}

/**
 * Appends journal rows in one INSERT (per MAX_ROWS_PER_STATEMENT rows) with
 * ON CONFLICT (call_id, seq) DO NOTHING, so a retried or replayed batch never
 * double-appends.
 */
export async function appendEvents(db: Db, rows: readonly NewCallEvent[]): Promise<AppendOutcome> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + MAX_ROWS_PER_STATEMENT);
    const written = await db
      .insert(callEvents)
      .values(chunk)
      .onConflictDoNothing({ target: [callEvents.callId, callEvents.seq] })
      .returning({ id: callEvents.id });
    inserted += written.length;
  }
  return { inserted, duplicates: rows.length - inserted };
}

export interface ListEventsOptions {
  /** Only rows with seq greater than this (resume a live tail). */
  afterSeq?: number;
  /** Default: all. */
  limit?: number;
}

/** A call's journal in seq order. */
export async function listEvents(db: Db, callId: string, opts: ListEventsOptions = {}): Promise<CallEventRow[]> {
  const where =
    opts.afterSeq === undefined
      ? eq(callEvents.callId, callId)
      : and(eq(callEvents.callId, callId), gt(callEvents.seq, opts.afterSeq));
  const query = db.select().from(callEvents).where(where).orderBy(asc(callEvents.seq));
  return opts.limit === undefined ? query : query.limit(opts.limit);
}

/** The highest seq journalled for a call, 0 when none (seed a JournalWriter with it on resume). */
export async function maxEventSeq(db: Db, callId: string): Promise<number> {
  const [row] = await db
    .select({ seq: max(callEvents.seq) })
    .from(callEvents)
    .where(eq(callEvents.callId, callId));
  return row?.seq ?? 0;
}

/** Highest seq per call for many calls at once (resuming after a restart). */
export async function maxEventSeqs(db: Db, callIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(callIds.map((id) => [id, 0]));
  if (callIds.length === 0) return out;
  const rows = await db
    .select({ callId: callEvents.callId, seq: max(callEvents.seq) })
    .from(callEvents)
    .where(inArray(callEvents.callId, [...callIds]))
    .groupBy(callEvents.callId);
  for (const row of rows) out.set(row.callId, row.seq ?? 0);
  return out;
}
