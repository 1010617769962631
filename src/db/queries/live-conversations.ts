/**
 * Conversations the database still shows as active after a restart. A
 * conversation cannot outlive the process that ran it (its recogniser stream
 * and model requests were that process's), so every one of these ended while
 * the runtime was down (src/runtime/conversation-reconcile.ts closes them).
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { callEvents, conversations } from "../schema.ts";

export interface LiveConversationRow {
  id: string;
  callId: string;
  startedAt: Date;
  updatedAt: Date;
  /** When its journal last heard of it (null: nothing journalled). */
  lastEventAt: Date | null;
  /** Its journal's last seq (0: none), so the closing entry continues after it. */
  lastSeq: number;
}

/** Qualified: inside the subqueries a bare "id" would be call_events.id. */
const CONVERSATION_ID = sql.raw(`"conversations"."id"`);

export async function listActiveConversations(db: Db): Promise<LiveConversationRow[]> {
  return (await db
    .select({
      id: conversations.id,
      callId: conversations.callId,
      startedAt: conversations.startedAt,
      updatedAt: conversations.updatedAt,
      lastEventAt: sql<Date | null>`(select max(${callEvents.at}) from ${callEvents} where ${callEvents.callId} = ${CONVERSATION_ID})`.mapWith(callEvents.at),
      lastSeq: sql<number>`(select coalesce(max(${callEvents.seq}), 0) from ${callEvents} where ${callEvents.callId} = ${CONVERSATION_ID})`.mapWith(Number),
    })
    .from(conversations)
    .where(eq(conversations.status, "active"))) as LiveConversationRow[];
}

/**
 * Closes one as ended while nobody ran it: outcome "error" with `cause`,
 * ended at the last moment it was seen, its resume snapshot dropped (it held
 * the prompt and is of no use any more). Only if it is still active: a row a
 * live actor has just ended is left as that actor wrote it.
 */
export async function closeConversationWhileDown(db: Db, id: string, endedAt: Date, cause: string): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ status: "ended", outcome: "error", endCause: cause, endedAt, snapshot: null, updatedAt: new Date() })
    .where(and(eq(conversations.id, id), eq(conversations.status, "active")))
    .returning({ id: conversations.id });
  return rows.length > 0;
}
