/**
 * The ESL layer against the switch simulator over TCP: what the runtime relies
 * on, end to end — originate, ordered channel events, an execute matched by
 * Application-UUID, and a dropped link that reconnects and resyncs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { EslInboundClient, EslLinkDownError, type ResyncReport, type SwitchEvent } from "../../src/esl/index.ts";
import { defaultScenario, SwitchSimulator } from "../../src/sim/index.ts";
import { until } from "../support/until.ts";

describe("EslInboundClient ↔ switch simulator", () => {
  let sim: SwitchSimulator;
  let client: EslInboundClient;
  const events: SwitchEvent[] = [];
  const resyncs: ResyncReport[] = [];

  beforeAll(async () => {
    sim = new SwitchSimulator({ port: 0, timeScale: 0.05, heartbeatIntervalMs: 0, scenario: { ...defaultScenario, files: ["ivr/ivr-welcome.wav"] } });
    await sim.start();
    client = new EslInboundClient({ host: "127.0.0.1", port: sim.port, password: "ClueCon", reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    client.onEvent((e) => {
      events.push(e);
    });
    client.on("resync", (r) => resyncs.push(r));
    await client.start();
  });
  afterAll(async () => {
    await client?.stop();
    await sim?.stop();
  });

  const forCall = (uuid: string) => events.filter((e) => "uuid" in e && e.uuid === uuid);

  test("originate, answer, playback matched by Application-UUID, hangup: events in FreeSWITCH's order", async () => {
    const uuid = randomUUID();
    const outcome = await client.send({ type: "originate", uuid, dialString: "sofia/gateway/carrier/15551230000", callerIdNumber: "+15550001111", timeoutSec: 30 });
    expect(outcome).toMatchObject({ ok: true, uuid });
    await until("the answer", () => forCall(uuid).some((e) => e.kind === "channel.answer"), 5_000, 5);

    const applicationUuid = randomUUID();
    const reply = await client.send({ type: "playback", uuid, file: "ivr/ivr-welcome.wav", applicationUuid });
    expect(reply.ok).toBe(true);
    await until("the execute's completion", () => forCall(uuid).some((e) => e.kind === "channel.execute_complete" && e.applicationUuid === applicationUuid), 5_000, 5);
    const done = forCall(uuid).find((e) => e.kind === "channel.execute_complete" && e.applicationUuid === applicationUuid)!;
    expect(done.kind === "channel.execute_complete" && done.application).toBe("playback");

    await client.send({ type: "hangup", uuid, cause: "NORMAL_CLEARING" });
    await until("the destroy", () => forCall(uuid).some((e) => e.kind === "channel.destroy"), 5_000, 5);
    const kinds = forCall(uuid).map((e) => e.kind);
    const order = ["channel.create", "channel.progress", "channel.answer", "channel.execute_complete", "channel.hangup", "channel.hangup_complete", "channel.destroy"];
    const positions = order.map((k) => kinds.indexOf(k as SwitchEvent["kind"]));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const hangup = forCall(uuid).find((e) => e.kind === "channel.hangup_complete")!;
    expect(hangup.kind === "channel.hangup_complete" && [hangup.hangupCause, hangup.q850]).toEqual(["NORMAL_CLEARING", 16]);
  });

  test("busy: the originate fails with USER_BUSY", async () => {
    const outcome = await client.send({ type: "originate", uuid: randomUUID(), dialString: "sofia/gateway/carrier/4865550100" });
    expect(outcome).toMatchObject({ ok: false, cause: "USER_BUSY" });
  });

  test("the link drops mid-call: pending commands fail at once, the client reconnects and resync reports the surviving and vanished channels", async () => {
    const survivor = randomUUID();
    const goner = randomUUID();
    for (const uuid of [survivor, goner]) {
      await client.send({ type: "originate", uuid, dialString: "sofia/gateway/carrier/15551230001" });
    }
    await until("the answer", () => forCall(goner).some((e) => e.kind === "channel.answer"), 5_000, 5);
    resyncs.length = 0;

    const pending = client.api("status");
    sim.dropConnections();
    await expect(pending).rejects.toBeInstanceOf(EslLinkDownError);
    sim.hangup(goner, "NORMAL_CLEARING");

    await until("a resync", () => resyncs.length > 0, 5_000, 5);
    const report = resyncs[0]!;
    expect(report.survived.map((c) => c.uuid)).toContain(survivor);
    expect(report.vanished).toContain(goner);
    expect(client.connected).toBe(true);
    expect((await client.api("status")).length).toBeGreaterThan(0);
    await client.send({ type: "hangup", uuid: survivor, cause: "NORMAL_CLEARING" });
  });
});
