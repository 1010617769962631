/**
 * A journal or CDR row PostgreSQL refuses for its strings (a NUL, a lone UTF-16
 * surrogate: text from the switch or a model, not only from the API) is stored
 * with them sanitised, loudly and counted — the call is never missing from
 * GET /v1/calls or after a restart. A row refused even then is dropped alone,
 * counted; the rest of its batch lands. Both databases (issue 6, finding 5).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import type { CallEventKind } from "../../src/db/schema.ts";
import { startHarness, type DbKind, type Harness } from "../support/switchboard.ts";

for (const db of ["pglite", "postgres"] as DbKind[]) {
  describe(`journal rows the database refuses (${db})`, () => {
    let h: Harness;
    beforeAll(async () => {
      // The journal logs each refusal at error by design; keep the test output readable.
      h = await startHarness({ db, env: { LOG_LEVEL: "fatal" } });
    });
    afterAll(async () => {
      await h?.close();
    });

    test("a CDR and journal rows with NUL or lone surrogates are stored sanitised; the call is listed, readable and survives a restart", async () => {
      const id = randomUUID();
      const clean = randomUUID();
      const journal = h.sb.journal;
      const before = journal.stats().refusedByDb;

      // One batch: a clean CDR beside one whose caller number has a NUL and whose snapshot a lone surrogate.
      journal.upsertCall({ id: clean, direction: "inbound", toNumber: "1000", fromNumber: "+15550001111", status: "completed" });
      journal.upsertCall({
        id,
        direction: "inbound",
        toNumber: "1000",
        fromNumber: "+1555\u0000",
        status: "completed",
        error: "caller name Jos\ud800",
        snapshot: { context: { callerIdName: "Jos\ud800" } },
      });
      journal.append(id, { kind: "event", name: "CHANNEL_CREATE" });
      journal.append(id, { kind: "event", name: "CHANNEL_DATA", data: { callerIdName: "Jos\ud800", sip: "a\u0000b" } });
      // Refused for a reason sanitising cannot mend (a kind the CHECK constraint forbids): dropped alone.
      journal.append(id, { kind: "bogus" as CallEventKind, name: "not-a-kind" });
      journal.append(id, { kind: "event", name: "CHANNEL_HANGUP_COMPLETE" });
      await journal.flush();

      const stats = journal.stats().refusedByDb;
      expect(stats.calls.sanitised - before.calls.sanitised).toBe(1);
      expect(stats.calls.dropped - before.calls.dropped).toBe(0);
      expect(stats.events.sanitised - before.events.sanitised).toBe(1);
      expect(stats.events.dropped - before.events.dropped).toBe(1);

      const read = await h.api("GET", `/v1/calls/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.from).toBe("+1555\uFFFD");
      expect(read.body.error).toBe("caller name Jos\uFFFD");
      expect(read.body.events.map((e: any) => e.name)).toEqual(["CHANNEL_CREATE", "CHANNEL_DATA", "CHANNEL_HANGUP_COMPLETE"]);
      expect(read.body.events[1].data).toEqual({ callerIdName: "Jos\uFFFD", sip: "a\uFFFDb" });

      const listed = await h.api("GET", "/v1/calls?limit=500");
      expect(listed.body.calls.map((c: any) => c.id)).toEqual(expect.arrayContaining([id, clean]));

      const metrics = await fetch(`${h.sb.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain(`switchboard_journal_db_refused_rows{outcome="sanitised",table="calls"} ${stats.calls.sanitised}`);
      expect(metrics).toContain(`switchboard_journal_db_refused_rows{outcome="dropped",table="events"} ${stats.events.dropped}`);

      await h.restart();
      const afterRestart = await h.api("GET", `/v1/calls/${id}`);
      expect(afterRestart.status).toBe(200);
      expect(afterRestart.body.status).toBe("completed");
    });
  });
}
