/**
 * closedWhileDown: the final CDR of a call that ended while the runtime was
 * down — what is known is kept, nothing is invented, ended_at never passes now.
 */
import { describe, expect, test } from "bun:test";
import type { LiveCallRow } from "../../src/db/queries/live-calls.ts";
import { closedWhileDown, ENDED_WHILE_DOWN } from "../../src/runtime/reconcile.ts";

const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const at = (sec: number) => new Date(T0 + sec * 1000);

function row(patch: Partial<LiveCallRow>): LiveCallRow {
  return {
    id: "c1",
    direction: "outbound",
    fromNumber: "+15550001111",
    toNumber: "+15551230000",
    status: "in-progress",
    stateValue: "in_progress.idle",
    hangupCause: null,
    q850: null,
    hangupBy: null,
    createdAt: at(0),
    initiatedAt: at(0),
    ringingAt: at(1),
    answeredAt: at(5),
    endedAt: null,
    ringSec: null,
    talkSec: null,
    statusCallback: null,
    dryRun: false,
    error: null,
    snapshot: { status: "active" },
    updatedAt: at(5),
    lastEventAt: at(65),
    lastSeq: 12,
    ...patch,
  };
}

describe("closedWhileDown", () => {
  test("an answered call is completed, ended when last seen live, cause unknown", () => {
    const cdr = closedWhileDown(row({}), T0 + 3600_000);
    expect(cdr.status).toBe("completed");
    expect(cdr.stateValue).toBe("ended");
    expect(cdr.endedAt).toEqual(at(65));
    expect(cdr.talkSec).toBe(60);
    expect(cdr.ringSec).toBe(4);
    expect(cdr.hangupCause).toBeNull();
    expect(cdr.q850).toBeNull();
    expect(cdr.hangupBy).toBeNull();
    expect(cdr.error).toBe(ENDED_WHILE_DOWN);
    expect(cdr.snapshot).toBeNull();
  });

  test("a ringing call nobody cancelled has failed; one our API was cancelling is canceled", () => {
    const ringing = row({ status: "ringing", answeredAt: null, lastEventAt: at(3) });
    expect(closedWhileDown(ringing, T0 + 60_000).status).toBe("failed");
    expect(closedWhileDown(ringing, T0 + 60_000).talkSec).toBe(0);
    expect(closedWhileDown({ ...ringing, hangupBy: "api" }, T0 + 60_000).status).toBe("canceled");
  });

  test("a cause the switch had already reported is kept and decides the status", () => {
    const busy = closedWhileDown(row({ answeredAt: null, hangupCause: "USER_BUSY", q850: 17, hangupBy: "callee" }), T0 + 60_000);
    expect(busy.status).toBe("busy");
    expect(busy.hangupCause).toBe("USER_BUSY");
    expect(busy.q850).toBe(17);
  });

  test("ended_at is never later than now, and an earlier error is kept", () => {
    const cdr = closedWhileDown(row({ lastEventAt: at(500), error: "playback: FILE NOT FOUND" }), T0 + 100_000);
    expect(cdr.endedAt).toEqual(at(100));
    expect(cdr.error).toBe(`playback: FILE NOT FOUND; ${ENDED_WHILE_DOWN}`);
  });
});
