/**
 * HTTP call control end to end: the real HTTP server, runtime, ESL client and
 * database, against the switch simulator over the ESL wire. Runs once with
 * PGlite and once with the machine's PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type DbKind, type Harness } from "../support/switchboard.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
const isFinal = (c: any) => FINAL.has(c.status);

for (const db of ["pglite", "postgres"] as DbKind[]) {
  describe(`HTTP call control (${db})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        db,
        scenario: {
          name: "test",
          callees: [
            { name: "busy", match: { prefix: "486" }, outcome: "busy", ringMs: 200 },
            { name: "no answer", match: { prefix: "408" }, outcome: "no_answer" },
            { name: "reject", match: { prefix: "603" }, outcome: "reject", ringMs: 200 },
            { name: "unallocated", match: { prefix: "404" }, outcome: "unallocated", ringMs: 100 },
            { name: "far end hangs up", match: { prefix: "410" }, outcome: "answer", ringMs: 200, hangupAfterMs: 1000 },
            { name: "presses 7", match: { prefix: "321" }, outcome: "answer", ringMs: 200, dtmf: [{ atMs: 600, digits: "7" }] },
          ],
          defaultCallee: { outcome: "answer", ringMs: 400 },
          defaultCaller: {},
          // The prompts the tests play, installed as FreeSWITCH's sound packages would install them.
          files: ["ivr/ivr-welcome.wav", "ivr/ivr-please_enter_extension_followed_by_pound.wav"],
        },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    const place = (body: Record<string, unknown>) => h.api("POST", "/v1/calls", { from: "+15550001111", timeout_s: 2, ...body });

    test("an answered call rings, answers, plays a prompt, takes DTMF and hangs up with a CDR and journal", async () => {
      const created = await place({ to: "+15551230000" });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect(["queued", "initiated"]).toContain(created.body.status);

      const answered = await h.waitForCall(id, (c) => c.status === "in-progress");
      expect(answered.answered_at).not.toBeNull();
      expect(answered.state).toBe("in_progress.idle");

      const play = await h.api("POST", `/v1/calls/${id}/actions`, { type: "play", url: "ivr/ivr-welcome.wav" });
      expect(play.status).toBe(202);
      expect(play.body.activity).toBe("playing");
      await h.waitForCall(id, (c) => c.activity === "idle");

      const dtmf = await h.api("POST", `/v1/calls/${id}/actions`, { type: "send_dtmf", digits: "12#" });
      expect(dtmf.status).toBe(202);

      const hangup = await h.api("DELETE", `/v1/calls/${id}`);
      expect(hangup.status).toBe(202);
      const ended = await h.waitForCall(id, isFinal);
      expect(ended.status).toBe("completed");
      expect(ended.hangup_by).toBe("api");
      expect(ended.hangup_cause).toBe("NORMAL_CLEARING");
      expect(ended.q850).toBe(16);
      expect(ended.talk_sec).toBeGreaterThanOrEqual(0);

      const stored = await h.waitForCall(id, (c) => !c.live && c.events.some((e: any) => e.name === "CHANNEL_HANGUP_COMPLETE"));
      const names = stored.events.map((e: any) => e.name);
      for (const n of ["originate", "CHANNEL_ANSWER", "playback", "CHANNEL_EXECUTE_COMPLETE", "send_dtmf", "hangup", "CHANNEL_HANGUP"]) {
        expect(names).toContain(n);
      }
      const seqs = stored.events.map((e: any) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
    });

    test("break stops a playback: uuid_break all on the wire, the call back to idle; break while idle sends nothing", async () => {
      const created = await place({ to: "+15551230000" });
      const id = created.body.id;
      await h.waitForCall(id, (c) => c.status === "in-progress");
      const idleBreak = await h.api("POST", `/v1/calls/${id}/actions`, { type: "break" });
      expect(idleBreak.status).toBe(202);
      const play = await h.api("POST", `/v1/calls/${id}/actions`, { type: "play", url: "ivr/ivr-welcome.wav", loop: 100 });
      expect(play.body.activity).toBe("playing");
      const stop = await h.api("POST", `/v1/calls/${id}/actions`, { type: "break" });
      expect(stop.status).toBe(202);
      // The journal is written behind the call's state: wait for the playback's end to be in it.
      const idle = await h.waitForCall(
        id,
        (c) => c.activity === "idle" && c.events.some((e: any) => e.name === "CHANNEL_EXECUTE_COMPLETE" && e.data.application === "playback"),
        5_000,
      );
      expect(idle.error).toBeNull();
      const breaks = idle.events.filter((e: any) => e.kind === "command" && e.name === "break");
      expect(breaks.map((e: any) => e.data)).toEqual([{ type: "break", uuid: id, all: true }]);
      expect(idle.events.some((e: any) => e.name === "PLAYBACK_STOP" && e.data.status === "break")).toBe(true);
      await h.api("DELETE", `/v1/calls/${id}`);
      await h.waitForCall(id, isFinal);
    });

    const outcomes: Array<[string, string, string, number]> = [
      ["4860001", "busy", "USER_BUSY", 17],
      ["6030001", "failed", "CALL_REJECTED", 21],
      ["4040001", "failed", "UNALLOCATED_NUMBER", 1],
      ["4080001", "no-answer", "NO_ANSWER", 19],
    ];
    for (const [number, status, cause, q850] of outcomes) {
      test(`a call to ${number} ends ${status} with ${cause}`, async () => {
        const created = await place({ to: number });
        expect(created.status).toBe(201);
        const ended = await h.waitForCall(created.body.id, isFinal, 15_000);
        expect(ended.status).toBe(status);
        expect(ended.hangup_cause).toBe(cause);
        expect(ended.q850).toBe(q850);
        expect(ended.answered_at).toBeNull();
      });
    }

    test("error/user_busy fails USER_BUSY from the originate alone, with no channel", async () => {
      const created = await place({ to: "error/user_busy" });
      const ended = await h.waitForCall(created.body.id, isFinal);
      expect(ended.status).toBe("busy");
      expect(ended.hangup_cause).toBe("USER_BUSY");
    });

    test("the far end hanging up completes the call, hung up by the callee", async () => {
      const created = await place({ to: "4100001" });
      const ended = await h.waitForCall(created.body.id, isFinal);
      expect(ended.status).toBe("completed");
      expect(ended.hangup_by).toBe("callee");
    });

    test("DTMF from the callee is recorded on the call", async () => {
      const created = await place({ to: "3210001" });
      const call = await h.waitForCall(created.body.id, (c) => c.dtmf === "7");
      expect(call.status).toBe("in-progress");
      await h.api("DELETE", `/v1/calls/${created.body.id}`);
      await h.waitForCall(created.body.id, isFinal);
    });

    test("cancelling a ringing call ends it canceled", async () => {
      const created = await place({ to: "4080002", timeout_s: 30 });
      await h.waitForCall(created.body.id, (c) => c.status === "ringing");
      const del = await h.api("DELETE", `/v1/calls/${created.body.id}`);
      expect(del.status).toBe(202);
      const ended = await h.waitForCall(created.body.id, isFinal);
      expect(ended.status).toBe("canceled");
    });

    test("a gather first action collects the callee's digits", async () => {
      const created = await place({ to: "3210002", first_action: { type: "gather", max_digits: 1, timeout_ms: 3000, say: "Press a key" } });
      const call = await h.waitForCall(created.body.id, (c) => c.gather?.digits === "7");
      expect(call.gather.digits).toBe("7");
      await h.api("DELETE", `/v1/calls/${created.body.id}`);
      await h.waitForCall(created.body.id, isFinal);
    });

    test("an actions script plays, gathers the callee's digit and hangs up by itself", async () => {
      const created = await place({
        to: "3210003",
        actions: [
          { type: "play", url: "ivr/ivr-welcome.wav" },
          { type: "gather", max_digits: 1, timeout_ms: 3000, play: "ivr/ivr-please_enter_extension_followed_by_pound.wav" },
          { type: "hangup" },
        ],
      });
      expect(created.status).toBe(201);
      const ended = await h.waitForCall(created.body.id, (c) => isFinal(c) && c.events.some((e: any) => e.name === "GATHERED"));
      expect(ended.status).toBe("completed");
      const gathered = ended.events.find((e: any) => e.name === "GATHERED");
      expect(gathered.data.digits).toBe("7");
      const commands = ended.events.filter((e: any) => e.kind === "command").map((e: any) => e.name);
      expect(commands).toEqual(["originate", "playback", "play_and_get_digits", "hangup"]);
    });

    test("dry_run answers as if placed and never dials", async () => {
      const before = h.sim.channelCount();
      const created = await place({ to: "+15551239999", dry_run: true });
      expect(created.status).toBe(201);
      expect(created.body.dry_run).toBe(true);
      const ended = await h.waitForCall(created.body.id, isFinal);
      expect(ended.status).toBe("canceled");
      expect(h.sim.channelCount()).toBe(before);
    });

    describe("bad input and refusals change nothing", () => {
      test("422 names each bad field", async () => {
        const r = await h.api("POST", "/v1/calls", { to: "not a number", from: "", timeout_s: 0 });
        expect(r.status).toBe(422);
        expect(r.body.error.code).toBe("invalid_request");
        const fields = r.body.error.details.map((d: any) => d.field).sort();
        expect(fields).toEqual(["from", "timeout_s", "to"]);
      });

      test("a speak text with a line break is refused (no ESL injection)", async () => {
        const r = await place({ to: "+15551230001", first_action: { type: "say", text: "hi\nexit" } });
        expect(r.status).toBe(422);
        expect(r.body.error.details[0].field).toBe("first_action.text");
      });

      test("malformed JSON is a 400 with the error shape", async () => {
        const r = await h.api("POST", "/v1/calls", "{nope");
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe("invalid_json");
      });

      test("404 for an unknown call", async () => {
        const r = await h.api("GET", "/v1/calls/00000000-0000-0000-0000-000000000000");
        expect(r.status).toBe(404);
        expect(r.body.error.code).toBe("not_found");
        const a = await h.api("POST", "/v1/calls/00000000-0000-0000-0000-000000000000/actions", { type: "hangup" });
        expect(a.status).toBe(404);
      });

      test("409 for play on a ringing call, with the state, and nothing is sent", async () => {
        const created = await place({ to: "4080003", timeout_s: 30 });
        const id = created.body.id;
        await h.waitForCall(id, (c) => c.status === "ringing");
        const r = await h.api("POST", `/v1/calls/${id}/actions`, { type: "play", url: "ivr/ivr-welcome.wav" });
        expect(r.status).toBe(409);
        expect(r.body.error.code).toBe("invalid_state");
        expect(r.body.error.message).toContain("ringing");
        await h.sb.journal.flush();
        const call = await h.api("GET", `/v1/calls/${id}`);
        expect(call.body.events.filter((e: any) => e.kind === "command").map((e: any) => e.name)).toEqual(["originate"]);
        await h.api("DELETE", `/v1/calls/${id}`);
        await h.waitForCall(id, isFinal);
      });

      test("409 for DTMF on an ended call", async () => {
        const created = await place({ to: "4860002" });
        await h.waitForCall(created.body.id, isFinal);
        const r = await h.api("POST", `/v1/calls/${created.body.id}/actions`, { type: "send_dtmf", digits: "1" });
        expect(r.status).toBe(409);
      });

      test("401 without a key or with a wrong key", async () => {
        const none = await h.api("GET", "/v1/calls", undefined, { authorization: "" });
        expect(none.status).toBe(401);
        const wrong = await h.api("GET", "/v1/calls", undefined, { authorization: "Bearer sk_wrong" });
        expect(wrong.status).toBe(401);
        expect(wrong.body.error.code).toBe("unauthorized");
      });
    });

    test("GET /v1/calls filters by status and paginates", async () => {
      const all = await h.api("GET", "/v1/calls?limit=2");
      expect(all.status).toBe(200);
      expect(all.body.calls.length).toBe(2);
      expect(all.body.next_cursor).toBeString();
      const next = await h.api("GET", `/v1/calls?limit=2&cursor=${encodeURIComponent(all.body.next_cursor)}`);
      expect(next.body.calls[0].id).not.toBe(all.body.calls[0].id);
      const busy = await h.api("GET", "/v1/calls?status=busy");
      expect(busy.body.calls.length).toBeGreaterThan(0);
      expect(busy.body.calls.every((c: any) => c.status === "busy")).toBe(true);
      const bad = await h.api("GET", "/v1/calls?status=bogus");
      expect(bad.status).toBe(422);
      expect(bad.body.error.details[0].field).toBe("status");
    });

    test("health, metrics and actors", async () => {
      const health = await h.api("GET", "/health", undefined, { authorization: "" });
      expect(health.status).toBe(200);
      expect(health.body.switch.connected).toBe(true);
      const metrics = await fetch(h.sb.url + "/metrics").then((r) => r.text());
      expect(metrics).toContain("switchboard_event_to_command_seconds_count");
      expect(metrics).toMatch(/switchboard_calls_ended_total\{status="completed"\} \d+/);
      const created = await place({ to: "4080004", timeout_s: 30 });
      const actor = await h.api("GET", `/v1/actors/${created.body.id}`);
      expect(actor.status).toBe(200);
      expect(actor.body.kind).toBe("call");
      expect(actor.body.parent).toBeNull();
      expect(actor.body.children).toEqual([]);
      expect(typeof actor.body.state).toBe("string");
      const list = await h.api("GET", "/v1/actors");
      expect(list.body.actors.map((a: any) => a.id)).toContain(created.body.id);
      expect(list.body.actors.every((a: any) => ["call", "conversation", "campaign"].includes(a.kind) && "parent" in a && Array.isArray(a.children))).toBe(true);
      expect(await fetch(h.sb.url + "/metrics").then((r) => r.text())).toMatch(/switchboard_live_actors\{kind="call"\} [1-9]/);
      await h.api("DELETE", `/v1/calls/${created.body.id}`);
      await h.waitForCall(created.body.id, isFinal);
    });
  });
}
