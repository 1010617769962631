/**
 * A SIP gateway that is down, over raw ESL, against the real FreeSWITCH
 * 1.10.12 capture test/fixtures/esl-traces/freeswitch-1.10.12/esl_inbound_originate_gateway_down.transcript.txt:
 * sofia_outgoing_channel refuses the call after it has made the session, so
 * there is no CHANNEL_CREATE, only a bare CHANNEL_DESTROY, then the
 * BACKGROUND_JOB `-ERR GATEWAY_DOWN`. Also `sofia status gateway <name>`,
 * changing a gateway's status on a running simulator, and a bridge through a
 * gateway that is down.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { parseScenario, ScenarioError } from "../../src/sim/scenario.ts";
import { FrameSplitter, header, parsePlainEvent, type RawFrame } from "../../src/sim/raw-esl-client.ts";
import { api, rawEslHarness } from "../support/raw-esl.ts";

const CAPTURE = new URL("../fixtures/esl-traces/freeswitch-1.10.12/esl_inbound_originate_gateway_down.transcript.txt", import.meta.url);
const UUID = "11111111-2222-3333-4444-555555555555";
const JOB_UUID = "8135308f-6372-4c9c-8724-f90217e10914";
const ORIGINATE = `originate {origination_uuid=${UUID}}sofia/gateway/carrier/15551230000 &park()`;

/** Values that differ from run to run (or switch to switch); their headers must still be there, in place. */
const VARYING = new Set([
  "Core-UUID",
  "Event-Date-Local",
  "Event-Date-GMT",
  "Event-Date-Timestamp",
  "Event-Sequence",
  "variable_session_id",
]);

const captured: RawFrame[] = new FrameSplitter().push(readFileSync(CAPTURE));

// The capture's switch: hostname vm, 192.0.2.2 / fd00::2.
const { startSim, client: connect } = rawEslHarness({ timeScale: 0.01, hostname: "vm", ipv4: "192.0.2.2", ipv6: "fd00::2", heartbeatIntervalMs: 0 });
const client = (sim: SwitchSimulator, events: string) => connect(sim, { events });

const eventOf = (frame: RawFrame) => parsePlainEvent(frame.body);
const eventName = (frame: RawFrame) => (header(frame, "Content-Type") === "text/event-plain" ? value(frame, "Event-Name") : undefined);
const value = (frame: RawFrame, name: string) => eventOf(frame).headers.find(([n]) => n === name)?.[1];

/** Header by header: same names in the same order, same values except the varying ones. */
function expectSameEvent(actual: RawFrame, expected: RawFrame): void {
  const a = eventOf(actual);
  const e = eventOf(expected);
  expect(a.headers.map(([n]) => n)).toEqual(e.headers.map(([n]) => n));
  for (let i = 0; i < e.headers.length; i++) {
    const [name, want] = e.headers[i]!;
    if (!VARYING.has(name)) expect(`${name}: ${a.headers[i]![1]}`).toBe(`${name}: ${want}`);
  }
  expect(a.body).toBe(e.body);
  expect(actual.headers.map(([n]) => n)).toEqual(expected.headers.map(([n]) => n));
}

describe("originate through a gateway that is down (FreeSWITCH 1.10.12 capture)", () => {
  test("the capture holds what this test compares against", () => {
    expect(captured.map((f) => eventName(f) ?? header(f, "Content-Type"))).toEqual([
      "auth/request",
      "command/reply",
      "command/reply",
      "command/reply",
      "CHANNEL_DESTROY",
      "BACKGROUND_JOB",
      "command/reply",
      "text/disconnect-notice",
    ]);
  });

  test("frame for frame as captured: no CHANNEL_CREATE, a bare CHANNEL_DESTROY, then -ERR GATEWAY_DOWN", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "down" } } } });
    const c = await client(sim, "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY BACKGROUND_JOB");
    c.send(`bgapi ${ORIGINATE}\nJob-UUID: ${JOB_UUID}\n\n`);
    await c.waitFor((f) => eventName(f) === "BACKGROUND_JOB");
    c.send("exit\n\n");
    await c.closedPromise;

    expect(c.frames.length).toBe(captured.length);
    for (let i = 0; i < captured.length; i++) {
      const [got, want] = [c.frames[i]!, captured[i]!];
      if (eventName(want)) expectSameEvent(got, want);
      else expect(got.raw).toBe(want.raw);
    }
    expect(sim.channelCount()).toBe(0);
  });

  test("the skipped sequence number is the API event, fired after the originate returns", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "down" } } } });
    const all = await client(sim, "ALL");
    const some = await client(sim, "CHANNEL_DESTROY BACKGROUND_JOB");
    all.send(`bgapi ${ORIGINATE}\n\n`);
    await all.waitFor((f) => eventName(f) === "BACKGROUND_JOB");
    await some.waitFor((f) => eventName(f) === "BACKGROUND_JOB");

    const seen = all.frames.filter((f) => eventName(f) !== undefined);
    expect(seen.map(eventName)).toEqual(["CHANNEL_DESTROY", "API", "BACKGROUND_JOB"]);
    expect(value(seen[1]!, "API-Command")).toBe("originate");
    const seq = seen.map((f) => Number(value(f, "Event-Sequence")));
    expect([seq[1]! - seq[0]!, seq[2]! - seq[1]!]).toEqual([1, 1]);

    // Subscribed to less, the gap is there as in the capture (1380 → 1382).
    const [destroy, job] = some.frames.filter((f) => eventName(f) !== undefined);
    const captureGap = Number(value(captured[5]!, "Event-Sequence")) - Number(value(captured[4]!, "Event-Sequence"));
    expect(Number(value(job!, "Event-Sequence")) - Number(value(destroy!, "Event-Sequence"))).toBe(captureGap);
  });

  test("api originate answers -ERR GATEWAY_DOWN too; the session counts in sessions since startup", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "down" } } } });
    const c = await client(sim, "CHANNEL_DESTROY");
    expect(await api(c, "originate sofia/gateway/carrier/15551230000 &park()")).toBe("-ERR GATEWAY_DOWN\n");
    const destroy = await c.waitFor((f) => eventName(f) === "CHANNEL_DESTROY");
    expect(value(destroy, "Unique-ID")).toMatch(/^[0-9a-f-]{36}$/);
    expect(value(destroy, "variable_session_id")).toBe("1");
    expect(await api(c, "status")).toContain("\n1 session(s) since startup\n0 session(s) - peak 1");
  });
});

describe("which gateways exist", () => {
  test("without `gateways` every name is a gateway that is up", async () => {
    const sim = await startSim();
    const c = await client(sim, "CHANNEL_CREATE");
    expect(await api(c, "originate sofia/gateway/anything/15551230000 &park()")).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(await api(c, "sofia status gateway anything")).toMatch(/\nStatus  \tUP\n/);
    expect(sim.gatewayStatus("whatever")).toBe("up");
  });

  test("with `gateways` only those exist: another name is INVALID_GATEWAY, after the same bare CHANNEL_DESTROY", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "up" }, backup: {} } } });
    const c = await client(sim, "CHANNEL_CREATE CHANNEL_DESTROY");
    // The api reply is written by the listener itself, before the queued event.
    expect(await api(c, `originate {origination_uuid=${UUID}}sofia/gateway/other/15551230000 &park()`)).toBe("-ERR INVALID_GATEWAY\n");
    const destroy = await c.waitFor((f) => eventName(f) === "CHANNEL_DESTROY");
    expectSameEvent(destroy, captured[4]!);
    expect(await api(c, "sofia status gateway other")).toBe("Invalid Gateway!\n");
    expect(await api(c, "sofia status gateway backup")).toMatch(/\nStatus  \tUP\n/);
    expect(sim.gatewayStatus("other")).toBeUndefined();
    expect(await api(c, "originate sofia/gateway/backup/15551230000 &park()")).toMatch(/^\+OK /);
    expect(c.frames.some((f) => eventName(f) === "CHANNEL_CREATE")).toBe(true);
  });

  test("without mod_sofia the endpoint is missing before any gateway is looked up", async () => {
    const sim = await startSim({ modules: ["mod_commands", "mod_dptools"], scenario: { gateways: { carrier: { status: "down" } } } });
    const c = await client(sim, "ALL");
    expect(await api(c, "originate sofia/gateway/carrier/15551230000 &park()")).toBe("-ERR CHAN_NOT_IMPLEMENTED\n");
    expect(c.frames.some((f) => eventName(f) === "CHANNEL_DESTROY")).toBe(false);
    expect(await api(c, "sofia status gateway carrier")).toBe("-ERR sofia Command not found!\n");
  });

  test("the scenario key is checked strictly", () => {
    expect(parseScenario({ gateways: { carrier: {} } }).gateways).toEqual({ carrier: { status: "up" } });
    expect(() => parseScenario({ gateways: { carrier: { status: "broken" } } })).toThrow(ScenarioError);
    expect(() => parseScenario({ gateways: { carrier: { status: "down", host: "x" } } })).toThrow(/host/);
    expect(() => parseScenario({ gateways: { "a/b": { status: "down" } } })).toThrow(/gateways\["a\/b"\]/);
  });
});

describe("sofia status gateway <name>", () => {
  test("mod_sofia cmd_status's block, Status DOWN as the real-switch suite greps it, and the failed-call count", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "down" } } } });
    const c = await client(sim, "BACKGROUND_JOB");
    expect(await api(c, "originate sofia/gateway/carrier/15551230000 &park()")).toBe("-ERR GATEWAY_DOWN\n");
    const text = await api(c, "sofia status gateway carrier");
    expect(text).toMatch(/Status\s+DOWN/i);
    const line = "=".repeat(97);
    const lines = text.split("\n");
    expect(lines[0]).toBe(line);
    expect(lines.at(-2)).toBe(line);
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(1, -2).map((l) => l.split("\t")[0])).toEqual([
      "Name    ", "Profile ", "Scheme  ", "Realm   ", "Username", "Password", "From    ", "Contact ", "Exten   ", "To      ",
      "Proxy   ", "Context ", "Expires ", "Freq    ", "Ping    ", "PingFreq", "PingTime", "PingState", "State   ", "Status  ",
      "Uptime  ", "CallsIN ", "CallsOUT", "FailedCallsIN", "FailedCallsOUT",
    ]);
    expect(lines).toContain("Name    \tcarrier");
    expect(lines).toContain("Profile \texternal");
    expect(lines).toContain("Contact \t<sip:gw+carrier@192.0.2.2:5080;transport=udp;gw=carrier>");
    expect(lines).toContain("Status  \tDOWN");
    expect(lines).toContain("Uptime  \t0s");
    expect(lines).toContain("CallsOUT\t0");
    expect(lines).toContain("FailedCallsOUT\t1");
    expect(await api(c, "sofia status gateway nope")).toBe("Invalid Gateway!\n");
  });

  test("setGatewayStatus changes it on a running simulator: calls go through again, then fail again", async () => {
    const sim = await startSim({ scenario: { gateways: { carrier: { status: "down" } }, defaultCallee: { outcome: "answer", ringMs: 10 } } });
    const c = await client(sim, "CHANNEL_CREATE");
    sim.setGatewayStatus("carrier", "up");
    expect(sim.gatewayStatus("carrier")).toBe("up");
    expect(await api(c, "sofia status gateway carrier")).toMatch(/\nStatus  \tUP\n/);
    expect(await api(c, "originate sofia/gateway/carrier/15551230000 &park()")).toMatch(/^\+OK /);
    sim.setGatewayStatus("carrier", "down");
    expect(await api(c, "originate sofia/gateway/carrier/15551230000 &park()")).toBe("-ERR GATEWAY_DOWN\n");
    const text = await api(c, "sofia status gateway carrier");
    expect(text).toContain("\nStatus  \tDOWN\n");
    expect(text).toContain("\nCallsOUT\t1\n");
    expect(text).toContain("\nFailedCallsOUT\t1\n");
    expect(() => sim.setGatewayStatus("carrier", "sideways" as "up")).toThrow(TypeError);
  });

  test("other sofia commands are not simulated and say so", async () => {
    const sim = await startSim();
    const c = await client(sim, "BACKGROUND_JOB");
    expect(await api(c, "sofia status")).toStartWith("-ERR the switch simulator implements only");
  });
});

describe("bridge through a gateway that is down", () => {
  test("the B leg is a bare CHANNEL_DESTROY; the A leg sees originate_disposition GATEWAY_DOWN and hangs up with it", async () => {
    const sim = await startSim({
      scenario: { gateways: { carrier: { status: "down" }, local: { status: "up" } }, defaultCallee: { outcome: "answer", ringMs: 10 } },
    });
    const c = await client(sim, "CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE");
    const aLeg = await api(c, `originate sofia/gateway/local/2000 &bridge({origination_uuid=${UUID}}sofia/gateway/carrier/15551230000)`);
    expect(aLeg).toMatch(/^\+OK /);
    const aUuid = aLeg.slice(4).trim();
    const complete = await c.waitFor((f) => eventName(f) === "CHANNEL_HANGUP_COMPLETE" && value(f, "Unique-ID") === aUuid);

    const bDestroy = c.frames.find((f) => eventName(f) === "CHANNEL_DESTROY" && value(f, "Unique-ID") === UUID)!;
    expectSameEvent(bDestroy, captured[4]!);
    expect(c.frames.some((f) => eventName(f) === "CHANNEL_CREATE" && value(f, "Unique-ID") === UUID)).toBe(false);

    expect(value(complete, "Hangup-Cause")).toBe("GATEWAY_DOWN");
    expect(value(complete, "variable_originate_disposition")).toBe("GATEWAY_DOWN");
    expect(value(complete, "variable_DIALSTATUS")).toBe("GATEWAY_DOWN");
    expect(value(complete, "variable_originate_failed_cause")).toBe("GATEWAY_DOWN");
    const bridgeDone = c.frames.find((f) => eventName(f) === "CHANNEL_EXECUTE_COMPLETE" && value(f, "Application") === "bridge");
    expect(bridgeDone && value(bridgeDone, "variable_originate_disposition")).toBe("GATEWAY_DOWN");
  });

  test("with continue_on_fail the bridge app just returns: the A leg is not hung up with the B leg's cause", async () => {
    const sim = await startSim({
      scenario: { gateways: { carrier: { status: "down" }, local: { status: "up" } }, defaultCallee: { outcome: "answer", ringMs: 10 } },
    });
    const c = await client(sim, "CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE");
    const aLeg = await api(c, "originate {continue_on_fail=GATEWAY_DOWN}sofia/gateway/local/2000 &bridge(sofia/gateway/carrier/15551230000)");
    const aUuid = aLeg.slice(4).trim();
    const done = await c.waitFor((f) => eventName(f) === "CHANNEL_EXECUTE_COMPLETE" && value(f, "Application") === "bridge");
    expect(value(done, "Channel-State")).not.toBe("CS_HANGUP");
    expect(value(done, "variable_originate_disposition")).toBe("GATEWAY_DOWN");
    // The originate's extension was that one app: once it returns the call ends normally.
    const complete = await c.waitFor((f) => eventName(f) === "CHANNEL_HANGUP_COMPLETE" && value(f, "Unique-ID") === aUuid);
    expect(value(complete, "Hangup-Cause")).toBe("NORMAL_CLEARING");
  });
});
