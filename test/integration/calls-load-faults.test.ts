/**
 * Many calls at once, and the faults a real deployment meets: the ESL link
 * dropping mid-call, and the runtime restarting while calls are up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { executeRows } from "../../src/db/client.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
const isFinal = (c: any) => FINAL.has(c.status);

const scenario = {
  name: "load and faults",
  callees: [
    { name: "busy", match: { prefix: "486" }, outcome: "busy" as const, ringMs: 100 },
    { name: "reject", match: { prefix: "603" }, outcome: "reject" as const, ringMs: 100 },
    { name: "no answer", match: { prefix: "408" }, outcome: "no_answer" as const },
    { name: "short call", match: { prefix: "410" }, outcome: "answer" as const, ringMs: 100, hangupAfterMs: 300 },
  ],
  defaultCallee: { outcome: "answer" as const, ringMs: 100 },
  defaultCaller: {},
  // The prompt the fault test plays: installed, as with FreeSWITCH's sound packages.
  files: ["ivr/ivr-welcome.wav"],
};

describe("200 concurrent calls with mixed outcomes (postgres)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: "postgres", scenario, timeScale: 0.2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("every call reaches the right final status and exactly one CDR", async () => {
    const plan: Array<[string, string]> = [];
    for (let i = 0; i < 200; i++) {
      const n = String(1000 + i);
      plan.push([[`486${n}`, "busy"], [`603${n}`, "failed"], [`410${n}`, "completed"], [`408${n}`, "no-answer"]][i % 4] as [string, string]);
    }
    const created = await Promise.all(plan.map(([to]) => h.api("POST", "/v1/calls", { to, from: "+15550001111", timeout_s: 1 })));
    expect(created.map((r) => r.status)).toEqual(plan.map(() => 201));
    const ids = created.map((r) => r.body.id as string);
    const finals = await Promise.all(ids.map((id) => h.waitForCall(id, isFinal, 30_000)));
    expect(finals.map((c) => c.status)).toEqual(plan.map(([, status]) => status));

    // The journal writes in batches: wait until every CDR row is final in the database.
    const deadline = Date.now() + 10_000;
    let rows: Array<{ id: string; status: string }> = [];
    while (Date.now() < deadline) {
      rows = await executeRows(h.sb.database.db, sql`select id, status from calls where id in ${ids}`);
      if (rows.length === ids.length && rows.every((r) => FINAL.has(r.status))) break;
      await Bun.sleep(50);
    }
    expect(rows.length).toBe(200);
    const byId = new Map(rows.map((r) => [r.id, r.status]));
    expect(ids.map((id) => byId.get(id))).toEqual(plan.map(([, status]) => status));

    // Each call's journal is gap-free from seq 1 (once the journal has flushed).
    await h.sb.journal.flush();
    const seqs = await executeRows<{ call_id: string; n: number; max: number }>(
      h.sb.database.db,
      sql`select call_id, count(*)::int as n, max(seq)::int as max from call_events where call_id in ${ids} group by call_id`,
    );
    expect(seqs.length).toBe(200);
    expect(seqs.every((s) => s.n === s.max)).toBe(true);
  }, 60_000);
});

for (const db of ["pglite", "postgres"] as const) {
  describe(`faults (${db})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ db, scenario, timeScale: 0.2 });
    });
    afterAll(async () => {
      await h?.close();
    });

    test("the ESL link drops mid-call: the call still up keeps its actor, the one that ended meanwhile is closed", async () => {
      const up = (await h.api("POST", "/v1/calls", { to: "+15557770001", from: "+15550001111" })).body.id;
      const goes = (await h.api("POST", "/v1/calls", { to: "+15557770002", from: "+15550001111" })).body.id;
      await h.waitForCall(up, (c) => c.status === "in-progress");
      await h.waitForCall(goes, (c) => c.status === "in-progress");

      h.sim.dropConnections();
      // The far end hangs up while the runtime is not listening.
      expect(h.sim.hangup(goes, "NORMAL_CLEARING")).toBe(true);

      const closed = await h.waitForCall(goes, (c) => isFinal(c) && c.events.some((e: any) => e.name === "RESYNC_VANISHED"));
      expect(closed.status).toBe("completed");

      const still = await h.api("GET", `/v1/calls/${up}`);
      expect(still.body.status).toBe("in-progress");
      expect(still.body.live).toBe(true);
      // …and it is still driven over the new link.
      const play = await h.api("POST", `/v1/calls/${up}/actions`, { type: "play", url: "ivr/ivr-welcome.wav" });
      expect(play.status).toBe(202);
      await h.waitForCall(up, (c) => c.activity === "idle");
      await h.api("DELETE", `/v1/calls/${up}`);
      expect((await h.waitForCall(up, isFinal)).status).toBe("completed");
    });

    test("a restarted runtime picks up a call still live on the switch", async () => {
      const id = (await h.api("POST", "/v1/calls", { to: "+15557770003", from: "+15550001111" })).body.id;
      await h.waitForCall(id, (c) => c.status === "in-progress");

      await h.restart();

      const resumed = await h.waitForCall(id, (c) => c.live === true && c.events.some((e: any) => e.name === "RESUMED"));
      expect(resumed.status).toBe("in-progress");
      const del = await h.api("DELETE", `/v1/calls/${id}`);
      expect(del.status).toBe(202);
      const ended = await h.waitForCall(id, isFinal);
      expect(ended.status).toBe("completed");
      expect(ended.hangup_by).toBe("api");
    });
  });
}

describe("switch unavailable", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: "pglite", scenario });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("with the switch gone, placing a call answers 503 and changes nothing; /health says degraded", async () => {
    await h.sim.stop();
    const deadline = Date.now() + 5000;
    while (h.sb.link.connected && Date.now() < deadline) await Bun.sleep(10);
    const before = await h.api("GET", "/v1/calls?limit=500");
    const r = await h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("switch_unavailable");
    const after = await h.api("GET", "/v1/calls?limit=500");
    expect(after.body.calls.length).toBe(before.body.calls.length);
    const health = await h.api("GET", "/health");
    expect(health.status).toBe(503);
    expect(health.body.switch.connected).toBe(false);
  });
});
