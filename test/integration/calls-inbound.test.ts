/**
 * Inbound calls: the simulator plays FreeSWITCH's dialplan `socket … async full`
 * app, dialling the runtime's outbound-socket server; the runtime spawns an
 * actor for the channel and runs the default behaviour (answer, greeting, hang up).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type Harness } from "../support/switchboard.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

describe("inbound calls over the outbound socket", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: "pglite", env: { INBOUND_GREETING: "Thanks for calling Switchboard" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("a call handed over by the dialplan is answered, greeted and hung up, with an inbound CDR", async () => {
    const uuid = await h.sim.placeInboundCall({
      from: "+15557654321",
      fromName: "José",
      to: "5500",
      socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort },
    });
    const call = await h.waitForCall(uuid, (c) => FINAL.has(c.status) && c.events.some((e: any) => e.name === "CHANNEL_HANGUP_COMPLETE"));
    expect(call.direction).toBe("inbound");
    expect(call.from).toBe("+15557654321");
    expect(call.to).toBe("5500");
    expect(call.status).toBe("completed");
    expect(call.answered_at).not.toBeNull();
    const commands = call.events.filter((e: any) => e.kind === "command");
    expect(commands.map((e: any) => e.name)).toEqual(["answer", "speak", "hangup"]);
    expect(commands[1].data.text).toBe("Thanks for calling Switchboard");
  });

  test("the caller hanging up while the greeting plays completes the call, hung up by the caller", async () => {
    const uuid = await h.sim.placeInboundCall({
      from: "+15557654322",
      to: "5501",
      socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort },
    });
    await h.waitForCall(uuid, (c) => c.status === "in-progress");
    expect(h.sim.hangup(uuid, "NORMAL_CLEARING")).toBe(true);
    const call = await h.waitForCall(uuid, (c) => FINAL.has(c.status));
    expect(call.status).toBe("completed");
    expect(call.hangup_by).toBe("caller");
  });
});
