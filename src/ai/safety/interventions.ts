/**
 * A conversation's safety interventions as journalled (SAFETY_INTERVENTION
 * events under the conversation's id), oldest first, with the time each was
 * written: what GET /v1/conversations/:id can show without a column of its own.
 */
import type { Db } from "../../db/client.ts";
import { listEvents } from "../../db/queries/call-events.ts";
import { SAFETY_JOURNAL_NAME } from "./conversation-safety.ts";
import type { Intervention } from "./guard.ts";

export async function interventionsOf(db: Db, conversationId: string): Promise<Array<Intervention & { at: string }>> {
  const rows = await listEvents(db, conversationId);
  return rows.filter((r) => r.name === SAFETY_JOURNAL_NAME).map((r) => ({ ...(r.data as Intervention), at: r.at.toISOString() }));
}
