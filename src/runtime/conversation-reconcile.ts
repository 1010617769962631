/**
 * Conversations left active by an earlier run (kill -9, a crash, a stop that
 * could not write its last row). Unlike a call, a conversation is never
 * resumed: its speech-to-text stream, model request and audio stream belonged
 * to the process that died, and its call was either hung up by that process's
 * shutdown or closed by the call reconciler. So each active row this runtime
 * does not hold is closed — outcome "error", `end_cause` saying why, ended at
 * the last moment it was seen (its last journal entry or row update, never
 * later than now) — with a CONVERSATION_ENDED_WHILE_DOWN journal entry. Its
 * post-call analysis then runs like any other ended conversation's
 * (PostCallAnalyser.recover picks it up), so a crash loses no analysis either.
 *
 * Runs once at start-up, after the call reconciler and before the API serves.
 */
import type { Db } from "../db/client.ts";
import type { JournalWriter } from "../db/journal.ts";
import { closeConversationWhileDown, listActiveConversations } from "../db/queries/live-conversations.ts";
import { childLog } from "../log.ts";

const log = childLog({ mod: "runtime.reconcile" });

export const CONVERSATION_ENDED_WHILE_DOWN = "ended while the runtime was down: a conversation does not outlive the process that ran it";

export interface ConversationReconcileDeps {
  db: Db;
  /** Whether this runtime holds the actor (a conversation it started is never touched). */
  holds(id: string): boolean;
  journal: Pick<JournalWriter, "seedSeq" | "append" | "forget" | "flush">;
  now?: () => number;
}

/** Closes every active conversation this runtime does not hold; returns their ids. */
export async function closeOrphanedConversations(deps: ConversationReconcileDeps): Promise<string[]> {
  const { db, journal } = deps;
  const closed: string[] = [];
  for (const row of await listActiveConversations(db)) {
    if (deps.holds(row.id)) continue;
    const now = deps.now?.() ?? Date.now();
    const lastSeen = Math.max(row.lastEventAt?.getTime() ?? 0, row.updatedAt.getTime(), row.startedAt.getTime());
    const endedAt = new Date(Math.min(lastSeen, now));
    if (!(await closeConversationWhileDown(db, row.id, endedAt, CONVERSATION_ENDED_WHILE_DOWN))) continue;
    journal.seedSeq(row.id, row.lastSeq);
    journal.append(row.id, {
      kind: "event",
      name: "CONVERSATION_ENDED_WHILE_DOWN",
      data: { note: CONVERSATION_ENDED_WHILE_DOWN, call_id: row.callId, last_seen_at: endedAt.toISOString() },
      at: new Date(now),
    });
    journal.forget(row.id);
    closed.push(row.id);
  }
  if (closed.length > 0) {
    await journal.flush();
    log.info({ conversations: closed.length }, "closed conversations left active by an earlier run");
  }
  return closed;
}
