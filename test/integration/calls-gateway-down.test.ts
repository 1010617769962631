/**
 * A call through a carrier gateway that is down, end to end: the runtime
 * dials sofia/gateway/carrier/<number>, the simulator answers as FreeSWITCH
 * 1.10.12 does (a bare CHANNEL_DESTROY, then -ERR GATEWAY_DOWN), and the call
 * ends `failed` with the gateway's cause. The same check runs against a real
 * switch in test/real-switch/real-switch.test.ts when its gateway is down.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type Harness } from "../support/switchboard.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

describe("a call through a gateway that is down", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      scenario: {
        name: "carrier down",
        defaultCallee: { outcome: "answer", ringMs: 200 },
        gateways: { carrier: { status: "down" } },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const place = () => h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });

  test("ends failed with hangup_cause GATEWAY_DOWN", async () => {
    const created = await place();
    expect(created.status).toBe(201);
    const ended = await h.waitForCall(created.body.id, (c) => FINAL.has(c.status));
    expect(ended.status).toBe("failed");
    expect(ended.hangup_cause).toBe("GATEWAY_DOWN");
    expect(ended.answered_at).toBeNull();
    // The switch's side as the runtime journalled it (the journal is written behind the call's state):
    // no CHANNEL_CREATE, only the bare CHANNEL_DESTROY before the job failed.
    const journalled = await h.waitForCall(created.body.id, (c) => c.events.some((e: any) => e.name === "CHANNEL_DESTROY"));
    expect(journalled.events.filter((e: any) => e.kind === "event").map((e: any) => e.name)).toEqual(["CHANNEL_DESTROY"]);
    expect(h.sim.channelCount()).toBe(0);
  });

  test("once the gateway is back up calls go through; down again, they fail again", async () => {
    h.sim.setGatewayStatus("carrier", "up");
    try {
      const up = await place();
      expect(up.status).toBe(201);
      const live = await h.waitForCall(up.body.id, (c) => c.status === "in-progress" || FINAL.has(c.status));
      expect(live.status).toBe("in-progress");
      await h.api("DELETE", `/v1/calls/${up.body.id}`);
      await h.waitForCall(up.body.id, (c) => FINAL.has(c.status));
    } finally {
      h.sim.setGatewayStatus("carrier", "down");
    }
    const down = await place();
    const ended = await h.waitForCall(down.body.id, (c) => FINAL.has(c.status));
    expect(ended.status).toBe("failed");
    expect(ended.hangup_cause).toBe("GATEWAY_DOWN");
  });
});
