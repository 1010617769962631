/**
 * Calls the database still shows as live — what a restarted runtime must
 * check against the switch (src/runtime/reconcile.ts).
 */
import { getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { callEvents, calls, type CallRow, type CallStatus } from "../schema.ts";

/** Twilio's live statuses: a row in one of these has no ended_at yet. */
export const LIVE_CALL_STATUSES = ["queued", "initiated", "ringing", "in-progress"] as const satisfies readonly CallStatus[];

export interface LiveCallRow extends CallRow {
  /** When the call's journal last heard of it (null: nothing journalled). */
  lastEventAt: Date | null;
  /** Its journal's last seq (0: none), so new entries continue after it. */
  lastSeq: number;
}

/** Qualified: inside the subqueries a bare "id" would be call_events.id. */
const CALL_ID = sql.raw(`"calls"."id"`);

/** Every call with a live status, with its journal's last time and seq (one statement). */
export async function listLiveCalls(db: Db): Promise<LiveCallRow[]> {
  const rows = await db
    .select({
      ...getTableColumns(calls),
      lastEventAt: sql<Date | null>`(select max(${callEvents.at}) from ${callEvents} where ${callEvents.callId} = ${CALL_ID})`.mapWith(callEvents.at),
      lastSeq: sql<number>`(select coalesce(max(${callEvents.seq}), 0) from ${callEvents} where ${callEvents.callId} = ${CALL_ID})`.mapWith(Number),
    })
    .from(calls)
    .where(inArray(calls.status, [...LIVE_CALL_STATUSES]));
  return rows as LiveCallRow[];
}
