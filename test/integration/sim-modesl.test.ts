/**
 * The simulator driven by the stock ESL client, modesl 1.2.1, in inbound mode.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { type CallerSpeechEvent, readModulesConf, SwitchSimulator, type ScenarioInput } from "../../src/sim/index.ts";
import { until } from "../support/until.ts";

// modesl ships no types; this is the slice of its 1.2.1 API these tests use.
interface EslEvent {
  getHeader(name: string): string | null;
  getBody(): string;
}
interface EslConnection {
  on(event: string, fn: (this: { event: string }, ...args: any[]) => void): void;
  once(event: string, fn: (...args: any[]) => void): void;
  api(command: string, args: string, cb: (e: EslEvent) => void): void;
  bgapi(command: string, args: string, jobId: string, cb: (e: EslEvent) => void): void;
  sendRecv(command: string, cb: (e: EslEvent) => void): void;
  events(type: string, names: string, cb: (e: EslEvent) => void): void;
  execute(app: string, arg: string, uuid: string, cb: (e: EslEvent) => void): string;
  disconnect(): void;
  socket: { destroy(): void } | null;
}
const require = createRequire(import.meta.url);
const esl = require("modesl") as { Connection: new (host: string, port: number, password: string, ready?: () => void) => EslConnection };

let sims: SwitchSimulator[] = [];
let conns: EslConnection[] = [];

afterEach(async () => {
  for (const c of conns) c.socket?.destroy();
  for (const s of sims) await s.stop();
  sims = [];
  conns = [];
});

async function startSim(scenario?: ScenarioInput, timeScale = 0.02): Promise<SwitchSimulator> {
  const sim = new SwitchSimulator({ port: 0, timeScale, ...(scenario ? { scenario } : {}) });
  sims.push(sim);
  await sim.start();
  return sim;
}

interface Client {
  conn: EslConnection;
  events: EslEvent[];
  errors: Error[];
}

function connectModesl(sim: SwitchSimulator, password = "ClueCon"): Promise<Client> {
  return new Promise((resolve, reject) => {
    const events: EslEvent[] = [];
    const errors: Error[] = [];
    const conn = new esl.Connection("127.0.0.1", sim.port, password, () => resolve({ conn, events, errors }));
    conns.push(conn);
    conn.on("error", (err: Error) => errors.push(err));
    conn.on("esl::event::auth::fail", () => reject(new Error("auth failed")));
    conn.on("esl::event::**", function (evt: EslEvent) {
      if (!this.event.includes("::command::reply") && !this.event.includes("::api::response") && evt.getHeader("Event-Name")) {
        events.push(evt);
      }
    });
  });
}

function api(c: Client, command: string, args = ""): Promise<string> {
  return new Promise((resolve) => c.conn.api(command, args, (e) => resolve(e.getBody())));
}

function sendRecv(c: Client, command: string): Promise<string | null> {
  return new Promise((resolve) => c.conn.sendRecv(command, (e) => resolve(e.getHeader("Reply-Text"))));
}

function eventsFor(c: Client, uuid: string, name?: string): EslEvent[] {
  return c.events.filter((e) => e.getHeader("Unique-ID") === uuid && (!name || e.getHeader("Event-Name") === name));
}

describe("modesl inbound", () => {
  test("authenticates and runs api commands", async () => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    expect(await api(c, "status")).toContain("FreeSWITCH (Version 1.10.12-release  64bit) is ready");
    expect(await api(c, "no_such_command")).toBe("-ERR no_such_command Command not found!\n");
    expect(await api(c, "hostname")).toBe(sim.core.opts.hostname);
    expect(c.errors).toEqual([]);
  });

  test("a wrong password is refused", async () => {
    const sim = await startSim();
    await expect(connectModesl(sim, "wrong")).rejects.toThrow("auth failed");
  });

  test("bgapi: the reply comes before the BACKGROUND_JOB carrying the client's Job-UUID", async () => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    const order: string[] = [];
    c.conn.on("esl::event::command::reply", (e: EslEvent) => {
      if ((e.getHeader("Reply-Text") ?? "").startsWith("+OK Job-UUID")) order.push("reply");
    });
    const jobId = "0b0b0b0b-1111-2222-3333-444444444444";
    const job = await new Promise<EslEvent>((resolve) => {
      c.conn.bgapi("status", "", jobId, (e) => {
        order.push("event");
        resolve(e);
      });
    });
    expect(order).toEqual(["reply", "event"]);
    expect(job.getHeader("Job-UUID")).toBe(jobId);
    expect(job.getHeader("Job-Command")).toBe("status");
    expect(job.getBody()).toContain("is ready");
  });

  test("an answered originate: full event order in plain events, hangup with NORMAL_CLEARING", async () => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    expect(await sendRecv(c, "event plain ALL")).toBe("+OK event listener enabled plain");
    const uuid = "0e000000-0000-4000-8000-000000000001";
    const result = await api(c, "originate", `{origination_uuid=${uuid},origination_caller_id_number=5552000}sofia/gateway/carrier/15551234567 &park`);
    expect(result).toBe(`+OK ${uuid}\n`);
    await until("CHANNEL_PARK", () => eventsFor(c, uuid, "CHANNEL_PARK")[0], 5_000, 5);
    expect(await api(c, "uuid_kill", uuid)).toBe("+OK\n");
    await until("CHANNEL_DESTROY", () => eventsFor(c, uuid, "CHANNEL_DESTROY")[0], 5_000, 5);
    const names = eventsFor(c, uuid).map((e) => e.getHeader("Event-Name"));
    const order = ["CHANNEL_CREATE", "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_EXECUTE", "CHANNEL_PARK", "CHANNEL_HANGUP", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"];
    const positions = order.map((n) => names.indexOf(n));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const complete = eventsFor(c, uuid, "CHANNEL_HANGUP_COMPLETE")[0]!;
    expect(complete.getHeader("Hangup-Cause")).toBe("NORMAL_CLEARING");
    expect(complete.getHeader("variable_hangup_cause_q850")).toBe("16");
    expect(complete.getHeader("Caller-Destination-Number")).toBe("15551234567");
    expect(complete.getHeader("variable_billsec")).not.toBeNull();
    expect(await api(c, "show", "channels as json")).toBe('{"row_count": 0}\n');
  });

  test.each([
    ["4865550100", "USER_BUSY", "17"],
    ["6035550100", "CALL_REJECTED", "21"],
    ["4045550100", "UNALLOCATED_NUMBER", "1"],
    ["4085550100", "NO_ANSWER", "19"],
  ])("dialling %s fails with %s (q850 %s)", async (number, cause, q850) => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    await sendRecv(c, "event plain CHANNEL_HANGUP_COMPLETE");
    const uuid = `0e000000-0000-4000-8000-00000000${number.slice(0, 4)}`;
    const job = await new Promise<EslEvent>((resolve) =>
      c.conn.bgapi("originate", `{origination_uuid=${uuid},originate_timeout=5}sofia/gateway/carrier/${number} &park`, uuid.replace("0e", "0f"), resolve),
    );
    expect(job.getBody()).toBe(`-ERR ${cause}\n`);
    const complete = await until("CHANNEL_HANGUP_COMPLETE", () => eventsFor(c, uuid, "CHANNEL_HANGUP_COMPLETE")[0], 5_000, 5);
    expect(complete.getHeader("Hangup-Cause")).toBe(cause);
    expect(complete.getHeader("variable_hangup_cause_q850")).toBe(q850);
    expect(complete.getHeader("Answer-State")).toBe("hangup");
  });

  test("the callee's scripted DTMF arrives as DTMF events", async () => {
    const sim = await startSim({ callees: [{ match: { prefix: "2" }, ringMs: 50, dtmf: [{ atMs: 50, digits: "12#" }] }] });
    const c = await connectModesl(sim);
    await sendRecv(c, "event json DTMF");
    const uuid = "0e000000-0000-4000-8000-00000000d7f0";
    await api(c, "originate", `{origination_uuid=${uuid}}user/2000 &park`);
    const digits = await until("three DTMF events", () => {
      const d = eventsFor(c, uuid, "DTMF");
      return d.length >= 3 ? d : undefined;
    }, 5_000, 5);
    expect(digits.map((e) => e.getHeader("DTMF-Digit"))).toEqual(["1", "2", "#"]);
    expect(digits[0]!.getHeader("DTMF-Duration")).toBe("2000");
  });

  test("execute playback: CHANNEL_EXECUTE_COMPLETE matched by Application-UUID, PLAYBACK_STOP done", async () => {
    const sim = await startSim({ files: ["/tmp/hello.wav"] });
    const c = await connectModesl(sim);
    await sendRecv(c, "event plain CHANNEL_PARK PLAYBACK_START PLAYBACK_STOP");
    const uuid = "0e000000-0000-4000-8000-0000000000b1";
    await api(c, "originate", `{origination_uuid=${uuid}}sofia/gateway/gw/15550001 &park`);
    await until("CHANNEL_PARK", () => eventsFor(c, uuid, "CHANNEL_PARK")[0], 5_000, 5);
    let eventUuid = "";
    const done = await new Promise<EslEvent>((resolve) => {
      eventUuid = c.conn.execute("playback", "/tmp/hello.wav", uuid, resolve);
    });
    expect(done.getHeader("Application-UUID")).toBe(eventUuid);
    expect(done.getHeader("Application")).toBe("playback");
    expect(done.getHeader("Application-Data")).toBe("/tmp/hello.wav");
    expect(done.getHeader("Application-Response")).toBe("FILE PLAYED");
    const stop = await until("PLAYBACK_STOP", () => eventsFor(c, uuid, "PLAYBACK_STOP")[0], 5_000, 5);
    expect(stop.getHeader("Playback-File-Path")).toBe("/tmp/hello.wav");
    expect(stop.getHeader("Playback-Status")).toBe("done");
  });

  test("uuid_break stops a playback with Playback-Status: break", async () => {
    const sim = await startSim({ timing: { playbackMs: 600_000 }, files: ["/tmp/long.wav"] });
    const c = await connectModesl(sim);
    await sendRecv(c, "event plain CHANNEL_PARK PLAYBACK_START PLAYBACK_STOP");
    const uuid = "0e000000-0000-4000-8000-0000000000b2";
    await api(c, "originate", `{origination_uuid=${uuid}}sofia/gateway/gw/15550002 &park`);
    await until("CHANNEL_PARK", () => eventsFor(c, uuid, "CHANNEL_PARK")[0], 5_000, 5);
    const completed = new Promise<EslEvent>((resolve) => c.conn.execute("playback", "/tmp/long.wav", uuid, resolve));
    await until("PLAYBACK_START", () => eventsFor(c, uuid, "PLAYBACK_START")[0], 5_000, 5);
    expect(await api(c, "uuid_break", uuid)).toBe("+OK\n");
    const done = await completed;
    expect(done.getHeader("Application-Response")).toBe("FILE PLAYED");
    expect(eventsFor(c, uuid, "PLAYBACK_STOP")[0]!.getHeader("Playback-Status")).toBe("break");
  });

  test("play_and_get_digits stores the callee's digits; amd reports the scripted machine", async () => {
    const sim = await startSim({
      files: ["/tmp/prompt.wav", "/tmp/invalid.wav"],
      // mod_amd is third-party and optional: the shipped modules.conf.xml leaves it out.
      modules: [...readModulesConf(), "mod_amd"],
      callees: [
        { match: { prefix: "31" }, ringMs: 20, dtmf: [{ atMs: 30, digits: "42#" }] },
        { match: { prefix: "999" }, outcome: "machine", ringMs: 20 },
      ],
    });
    const c = await connectModesl(sim);
    const human = "0e000000-0000-4000-8000-0000000000c1";
    await api(c, "originate", `{origination_uuid=${human}}sofia/gateway/gw/3100 &park`);
    const pagd = await new Promise<EslEvent>((resolve) =>
      c.conn.execute("play_and_get_digits", "1 4 2 3000 # /tmp/prompt.wav /tmp/invalid.wav pin \\d+ 2000", human, resolve),
    );
    expect(pagd.getHeader("variable_pin")).toBe("42");
    const amdHuman = await new Promise<EslEvent>((resolve) => c.conn.execute("amd", "", human, resolve));
    expect(amdHuman.getHeader("variable_amd_result")).toBe("HUMAN");
    const machine = "0e000000-0000-4000-8000-0000000000c2";
    await api(c, "originate", `{origination_uuid=${machine}}sofia/gateway/gw/9990001 &park`);
    const amd = await new Promise<EslEvent>((resolve) => c.conn.execute("amd", "", machine, resolve));
    expect(amd.getHeader("variable_amd_result")).toBe("MACHINE");
    expect(amd.getHeader("Application-Response")).toBe("_none_");
  });

  test("bridge: CHANNEL_BRIDGE names both legs; the B leg hanging up unbridges", async () => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    await sendRecv(c, "event plain CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PARK");
    const a = "0e000000-0000-4000-8000-0000000000a1";
    await api(c, "originate", `{origination_uuid=${a}}sofia/gateway/gw/15550003 &park`);
    await until("CHANNEL_PARK", () => eventsFor(c, a, "CHANNEL_PARK")[0], 5_000, 5);
    c.conn.execute("bridge", "{origination_uuid=0e000000-0000-4000-8000-0000000000b9}user/1001", a, () => undefined);
    const bridge = await until("CHANNEL_BRIDGE", () => eventsFor(c, a, "CHANNEL_BRIDGE")[0], 5_000, 5);
    expect(bridge.getHeader("Bridge-A-Unique-ID")).toBe(a);
    expect(bridge.getHeader("Bridge-B-Unique-ID")).toBe("0e000000-0000-4000-8000-0000000000b9");
    expect(bridge.getHeader("Other-Type")).toBe("originatee");
    expect(bridge.getHeader("Other-Leg-Unique-ID")).toBe("0e000000-0000-4000-8000-0000000000b9");
    expect(await api(c, "uuid_kill", "0e000000-0000-4000-8000-0000000000b9")).toBe("+OK\n");
    await until("CHANNEL_UNBRIDGE", () => eventsFor(c, a, "CHANNEL_UNBRIDGE")[0], 5_000, 5);
    expect(await api(c, "uuid_exists", a)).toBe("true");
  });

  test("callee speech is exposed through the caller-speech emitter, not as an ESL event", async () => {
    const sim = await startSim({ callees: [{ match: { prefix: "5" }, ringMs: 20, speech: [{ atMs: 20, durationMs: 500, text: "Hello there" }] }] });
    const heard: CallerSpeechEvent[] = [];
    sim.on("caller-speech", (e) => heard.push(e));
    const c = await connectModesl(sim);
    await sendRecv(c, "event plain ALL");
    const uuid = "0e000000-0000-4000-8000-0000000000e1";
    await api(c, "originate", `{origination_uuid=${uuid}}sofia/gateway/gw/5000 &park`);
    const e = await until("the caller's speech", () => heard[0], 5_000, 5);
    expect(e).toMatchObject({ uuid, party: "callee", text: "Hello there" });
    expect(sim.speechFor(uuid).map((s) => s.text)).toEqual(["Hello there"]);
    expect(c.events.some((ev) => ev.getHeader("Event-Name") === "DETECTED_SPEECH")).toBe(false);
  });

  test("dropConnections resets clients; channels live on and show up after reconnecting", async () => {
    const sim = await startSim();
    const c = await connectModesl(sim);
    const uuid = "0e000000-0000-4000-8000-0000000000f1";
    await api(c, "originate", `{origination_uuid=${uuid}}sofia/gateway/gw/15550004 &park`);
    const ended = new Promise<void>((resolve) => {
      c.conn.on("esl::end", () => resolve());
      c.conn.on("error", () => resolve());
    });
    sim.dropConnections();
    await ended;
    expect(sim.channelCount()).toBe(1);
    const again = await connectModesl(sim);
    const rows = JSON.parse(await api(again, "show", "channels as json")) as { row_count: number; rows: Array<{ uuid: string }> };
    expect(rows.row_count).toBe(1);
    expect(rows.rows[0]!.uuid).toBe(uuid);
  });
});
