/**
 * A conversation row references its call's CDR row (foreign key). The journal
 * writes CDRs before conversations, and a call placed and its conversation
 * started while an earlier CDR batch is being written must land in that order
 * too — found by bench/conversations.ts on PostgreSQL: conversation rows were
 * refused (23503) and dropped when the conversations batch was taken after
 * the CDR write had awaited.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { conversations } from "../../src/db/schema.ts";
import { startHarness, type DbKind, type Harness } from "../support/switchboard.ts";

for (const db of ["pglite", "postgres"] as DbKind[]) {
  describe(`journal: a conversation buffered during a CDR write (${db})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ db, env: { LOG_LEVEL: "fatal" } });
    });
    afterAll(async () => {
      await h?.close();
    });

    test("lands after its call's CDR, never refused", async () => {
      const journal = h.sb.journal;
      const before = journal.stats().refusedByDb.conversations.dropped;
      const earlier = randomUUID();
      const call = randomUUID();
      const conversation = randomUUID();
      journal.upsertCall({ id: earlier, direction: "outbound", toNumber: "1000", status: "ringing" });
      // The earlier CDR's write is now in flight (flush writes up to its first await synchronously).
      const first = journal.flush();
      journal.upsertCall({ id: call, direction: "outbound", toNumber: "2000", status: "ringing" });
      journal.upsertConversation({ id: conversation, callId: call, direction: "outbound", model: "gpt-4o-mini", voice: { engine: "flite", voice: "kal" } as never, systemPrompt: "You are a test." });
      await first;
      await journal.flush();

      expect(journal.stats().refusedByDb.conversations.dropped - before).toBe(0);
      const rows = await h.sb.database.db.select().from(conversations).where(eq(conversations.id, conversation));
      expect(rows.map((r) => r.callId)).toEqual([call]);
    });
  });
}
