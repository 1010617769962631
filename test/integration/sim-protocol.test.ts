/**
 * Byte-level checks of the simulator's event socket against what a real
 * FreeSWITCH 1.10.12 sends (header lists below are copied from the captures
 * in shared/esl-traces/freeswitch-1.10.12/esl_inbound_event_plain_ALL.raw and
 * esl_inbound_bgapi_originate.transcript.txt).
 */
import { describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { header, parsePlainEvent, type RawFrame } from "../../src/sim/raw-esl-client.ts";
import { eventValue as value, rawEslHarness, reply } from "../support/raw-esl.ts";

const STANDARD_HEADERS = [
  "Event-Name",
  "Core-UUID",
  "FreeSWITCH-Hostname",
  "FreeSWITCH-Switchname",
  "FreeSWITCH-IPv4",
  "FreeSWITCH-IPv6",
  "Event-Date-Local",
  "Event-Date-GMT",
  "Event-Date-Timestamp",
  "Event-Calling-File",
  "Event-Calling-Function",
  "Event-Calling-Line-Number",
  "Event-Sequence",
];

const PROFILE_TIMES = [
  "Caller-Profile-Created-Time",
  "Caller-Channel-Created-Time",
  "Caller-Channel-Answered-Time",
  "Caller-Channel-Progress-Time",
  "Caller-Channel-Progress-Media-Time",
  "Caller-Channel-Hangup-Time",
  "Caller-Channel-Transfer-Time",
  "Caller-Channel-Resurrect-Time",
  "Caller-Channel-Bridged-Time",
  "Caller-Channel-Last-Hold",
  "Caller-Channel-Hold-Accum",
  "Caller-Screen-Bit",
  "Caller-Privacy-Hide-Name",
  "Caller-Privacy-Hide-Number",
];

const CODEC = [
  "Channel-Read-Codec-Name",
  "Channel-Read-Codec-Rate",
  "Channel-Read-Codec-Bit-Rate",
  "Channel-Write-Codec-Name",
  "Channel-Write-Codec-Rate",
  "Channel-Write-Codec-Bit-Rate",
];

/** CHANNEL_ANSWER of an originated leg with origination_caller_id_number set (real capture, variables left out). */
const REAL_ANSWER_HEADERS = [
  ...STANDARD_HEADERS,
  "Channel-State",
  "Channel-Call-State",
  "Channel-State-Number",
  "Channel-Name",
  "Unique-ID",
  "Call-Direction",
  "Presence-Call-Direction",
  "Channel-HIT-Dialplan",
  "Channel-Call-UUID",
  "Answer-State",
  ...CODEC,
  "Caller-Direction",
  "Caller-Logical-Direction",
  "Caller-Dialplan",
  "Caller-Caller-ID-Number",
  "Caller-Orig-Caller-ID-Number",
  "Caller-Callee-ID-Name",
  "Caller-Callee-ID-Number",
  "Caller-ANI",
  "Caller-Destination-Number",
  "Caller-Unique-ID",
  "Caller-Source",
  "Caller-Context",
  "Caller-Channel-Name",
  "Caller-Profile-Index",
  ...PROFILE_TIMES,
];

/** CHANNEL_HANGUP_COMPLETE of the same leg (caller id flipped on answer), variables left out. */
const REAL_HANGUP_COMPLETE_HEADERS = [
  ...STANDARD_HEADERS,
  "Hangup-Cause",
  "Channel-State",
  "Channel-Call-State",
  "Channel-State-Number",
  "Channel-Name",
  "Unique-ID",
  "Call-Direction",
  "Presence-Call-Direction",
  "Channel-HIT-Dialplan",
  "Channel-Call-UUID",
  "Answer-State",
  "Hangup-Cause",
  ...CODEC,
  "Caller-Direction",
  "Caller-Logical-Direction",
  "Caller-Dialplan",
  "Caller-Caller-ID-Name",
  "Caller-Caller-ID-Number",
  "Caller-Orig-Caller-ID-Number",
  "Caller-Callee-ID-Number",
  "Caller-ANI",
  "Caller-Destination-Number",
  "Caller-Unique-ID",
  "Caller-Source",
  "Caller-Context",
  "Caller-Channel-Name",
  "Caller-Profile-Index",
  ...PROFILE_TIMES,
];

const GOODBYE =
  "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

const { startSim, client: connect } = rawEslHarness({ timeScale: 0.01, hostname: "vm" });
const client = (sim: SwitchSimulator, auth = true) => connect(sim, { auth });

function eventOf(frame: RawFrame) {
  return parsePlainEvent(frame.body);
}

function names(frame: RawFrame): string[] {
  return eventOf(frame)
    .headers.map(([n]) => n)
    .filter((n) => !n.startsWith("variable_"));
}

describe("inbound handshake", () => {
  test("auth/request on connect, +OK accepted for the right password", async () => {
    const sim = await startSim();
    const c = await client(sim, false);
    c.send("auth ClueCon\n\n");
    await c.next();
    expect(c.rawText()).toBe("Content-Type: auth/request\n\nContent-Type: command/reply\nReply-Text: +OK accepted\n\n");
  });

  test("a wrong password gets -ERR invalid, the goodbye notice, and the socket is closed", async () => {
    const sim = await startSim();
    const c = await client(sim, false);
    c.send("auth nope\n\n");
    await c.closedPromise;
    expect(c.rawText()).toBe("Content-Type: auth/request\n\nContent-Type: command/reply\nReply-Text: -ERR invalid\n\n" + GOODBYE);
  });

  test("before auth every command but exit is -ERR command not found, and auth still works after", async () => {
    const sim = await startSim();
    const c = await client(sim, false);
    expect(header(await reply(c, "api status\n\n"), "Reply-Text")).toBe("-ERR command not found");
    expect(header(await reply(c, "event plain ALL\n\n"), "Reply-Text")).toBe("-ERR command not found");
    expect(header(await reply(c, "auth ClueCon\r\n\r\n"), "Reply-Text")).toBe("+OK accepted");
  });

  test("exit: +OK bye, the goodbye notice, then close", async () => {
    const sim = await startSim();
    const c = await client(sim);
    c.send("exit\n\n");
    await c.closedPromise;
    expect(c.rawText()).toEndWith("Content-Type: command/reply\nReply-Text: +OK bye\n\n" + GOODBYE);
  });

  test("a Content-Length above 16 MiB drops the connection", async () => {
    const sim = await startSim();
    const c = await client(sim);
    c.send("sendevent CUSTOM\nContent-Length: 16777217\n\n");
    await c.closedPromise;
    expect(c.closed).toBe(true);
  });
});

describe("api and bgapi", () => {
  test("an unknown api command answers exactly as FreeSWITCH does", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const f = await reply(c, "api no_such_command\n\n");
    expect(f.raw).toBe("Content-Type: api/response\nContent-Length: 40\n\n-ERR no_such_command Command not found!\n");
  });

  test("api status reports the 1.10.12 banner", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const f = await reply(c, "api status\n\n");
    expect(f.headers.map(([n]) => n)).toEqual(["Content-Type", "Content-Length"]);
    expect(f.body).toMatch(/^UP 0 years, 0 days, 0 hours, \d+ minutes?, \d+ seconds?, \d+ milliseconds?, \d+ microseconds?\n/);
    expect(f.body).toContain("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n");
    expect(Number(header(f, "Content-Length"))).toBe(Buffer.byteLength(f.body));
  });

  test("bgapi honours the client's Job-UUID and replies before the BACKGROUND_JOB event", async () => {
    const sim = await startSim();
    const c = await client(sim);
    c.send("event plain BACKGROUND_JOB\n\n");
    await c.next();
    c.send("bgapi status\r\njob-uuid: 0b0b0b0b-1111-2222-3333-444444444444\r\n\r\n");
    const first = await c.next();
    expect(first.raw).toBe(
      "Content-Type: command/reply\nReply-Text: +OK Job-UUID: 0b0b0b0b-1111-2222-3333-444444444444\nJob-UUID: 0b0b0b0b-1111-2222-3333-444444444444\n\n",
    );
    const job = await c.next();
    expect(job.headers.map(([n]) => n)).toEqual(["Content-Length", "Content-Type"]);
    expect(names(job)).toEqual([...STANDARD_HEADERS, "Job-UUID", "Job-Command", "Content-Length"]);
    expect(value(job, "Job-UUID")).toBe("0b0b0b0b-1111-2222-3333-444444444444");
    expect(value(job, "Event-Calling-Function")).toBe("api_exec");
    const inner = eventOf(job);
    expect(Number(value(job, "Content-Length"))).toBe(Buffer.byteLength(inner.body));
    expect(inner.body).toStartWith("UP ");
  });

  test("originate through the error endpoint fails with the cause and creates no channel events", async () => {
    const sim = await startSim();
    const c = await client(sim);
    c.send("event plain ALL\n\n");
    await c.next();
    const f = await reply(c, "api originate error/user_busy &park\n\n");
    expect(f.body).toBe("-ERR USER_BUSY\n");
    expect(sim.channelCount()).toBe(0);
    expect(header(await reply(c, "api originate dingaling/1000 &park\n\n"), "Content-Length")).toBe(String("-ERR CHAN_NOT_IMPLEMENTED\n".length));
    expect((await reply(c, "api originate user/1000\n\n")).body).toStartWith("-USAGE: <call url> <exten>|&<application_name>");
    const channelEvents = c.frames.filter((fr) => header(fr, "Content-Type") === "text/event-plain" && value(fr, "Unique-ID"));
    expect(channelEvents).toHaveLength(0);
  });
});

describe("event frames", () => {
  test("an answered call's events match the real capture's shape and order", async () => {
    const sim = await startSim({ ipv6: "fd00::2" });
    const c = await client(sim);
    expect(header(await reply(c, "event plain ALL\n\n"), "Reply-Text")).toBe("+OK event listener enabled plain");
    const uuid = "a0be6064-ca4c-423a-a898-446a4cc9712e";
    c.send(`bgapi originate {origination_uuid=${uuid},origination_caller_id_number=5552000}sofia/gateway/carrier/15551230000 &park\n\n`);
    const park = await c.waitForEvent("CHANNEL_PARK");
    const answer = c.frames.find((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === "CHANNEL_ANSWER")!;

    expect(answer.headers.map(([n]) => n)).toEqual(["Content-Length", "Content-Type"]);
    expect(Number(header(answer, "Content-Length"))).toBe(Buffer.byteLength(answer.body));
    expect(names(answer)).toEqual(REAL_ANSWER_HEADERS);
    expect(value(answer, "FreeSWITCH-IPv6")).toBe("fd00%3A%3A2");
    expect(value(answer, "Event-Date-Local")).toMatch(/^\d{4}-\d\d-\d\d%20\d\d%3A\d\d%3A\d\d$/);
    expect(value(answer, "Event-Date-GMT")).toMatch(/^[A-Z][a-z]{2},%20\d\d%20[A-Z][a-z]{2}%20\d{4}%20\d\d%3A\d\d%3A\d\d%20GMT$/);
    expect(value(answer, "Event-Date-Timestamp")).toMatch(/^\d{16}$/);
    expect(value(answer, "Event-Calling-Function")).toBe("switch_channel_perform_mark_answered");
    expect(value(answer, "Caller-Callee-ID-Name")).toBe("Outbound%20Call");
    expect(value(park, "Channel-State")).toBe("CS_EXECUTE");

    c.send(`api uuid_kill ${uuid}\n\n`);
    const complete = await c.waitForEvent("CHANNEL_HANGUP_COMPLETE");
    expect(names(complete)).toEqual(REAL_HANGUP_COMPLETE_HEADERS);
    expect(value(complete, "Caller-Caller-ID-Name")).toBe("Outbound%20Call");
    const vars = eventOf(complete).headers.filter(([n]) => n.startsWith("variable_")).map(([n]) => n);
    for (const v of ["variable_hangup_cause", "variable_hangup_cause_q850", "variable_duration", "variable_billsec", "variable_mduration", "variable_billmsec", "variable_start_epoch", "variable_answer_epoch", "variable_end_epoch", "variable_start_stamp", "variable_answer_stamp", "variable_end_stamp", "variable_progresssec", "variable_answersec", "variable_waitsec"]) {
      expect(vars).toContain(v);
    }
    expect(value(complete, "variable_hangup_cause_q850")).toBe("16");
    await c.waitForEvent("CHANNEL_DESTROY");

    const sequence = c.frames
      .filter((f) => header(f, "Content-Type") === "text/event-plain")
      .filter((f) => value(f, "Unique-ID") === uuid || value(f, "Event-Name") === "BACKGROUND_JOB")
      .map((f) => value(f, "Event-Name") + (value(f, "Event-Name") === "CHANNEL_STATE" ? `:${value(f, "Channel-State")}` : ""));
    expect(sequence).toEqual([
      "CHANNEL_OUTGOING",
      "CHANNEL_STATE:CS_INIT",
      "CHANNEL_CREATE",
      "CHANNEL_ORIGINATE",
      "CHANNEL_STATE:CS_ROUTING",
      "CHANNEL_STATE:CS_CONSUME_MEDIA",
      "CHANNEL_PROGRESS",
      "CHANNEL_CALLSTATE",
      "CHANNEL_ANSWER",
      "CHANNEL_CALLSTATE",
      "CALL_UPDATE",
      "BACKGROUND_JOB",
      "CHANNEL_STATE:CS_EXECUTE",
      "CHANNEL_EXECUTE",
      "CHANNEL_PARK",
      "CHANNEL_HANGUP",
      "CHANNEL_UNPARK",
      "CHANNEL_EXECUTE_COMPLETE",
      "CHANNEL_STATE:CS_HANGUP",
      "CHANNEL_CALLSTATE",
      "CHANNEL_STATE:CS_REPORTING",
      "CHANNEL_HANGUP_COMPLETE",
      "CHANNEL_DESTROY",
      "CHANNEL_STATE:CS_DESTROY",
    ]);
    // Event-Sequence only grows.
    const seqs = c.frames
      .filter((f) => header(f, "Content-Type") === "text/event-plain")
      .map((f) => Number(value(f, "Event-Sequence")));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  test("an api command's reply comes before the events it caused", async () => {
    const sim = await startSim();
    const c = await client(sim);
    c.send("event plain CHANNEL_HANGUP\n\n");
    await c.next();
    const uuid = "11111111-2222-3333-4444-555555555555";
    expect((await reply(c, `api originate {origination_uuid=${uuid}}user/1000 &park\n\n`)).body).toBe(`+OK ${uuid}\n`);
    c.send(`api uuid_kill ${uuid} USER_BUSY\n\n`);
    const next = await c.next();
    expect(next.raw).toBe("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
    const hangup = await c.waitForEvent("CHANNEL_HANGUP");
    expect(value(hangup, "Hangup-Cause")).toBe("USER_BUSY");
  });

  test("DTMF events carry no variables and url-encode the digit", async () => {
    const sim = await startSim({
      scenario: { callees: [{ match: { prefix: "777" }, ringMs: 100, dtmf: [{ atMs: 100, digits: "#" }] }] },
    });
    const c = await client(sim);
    c.send("event plain DTMF\n\n");
    await c.next();
    await reply(c, "api originate sofia/gateway/gw/7770001 &park\n\n");
    const dtmf = await c.waitForEvent("DTMF");
    expect(value(dtmf, "DTMF-Digit")).toBe("%23");
    expect(value(dtmf, "DTMF-Duration")).toBe("2000");
    expect(value(dtmf, "DTMF-Source")).toBe("RTP");
    expect(names(dtmf).slice(-3)).toEqual(["DTMF-Digit", "DTMF-Duration", "DTMF-Source"]);
    expect(eventOf(dtmf).headers.some(([n]) => n.startsWith("variable_"))).toBe(false);
  });

  test("json events: every value a string, standard headers first", async () => {
    const sim = await startSim();
    const c = await client(sim);
    expect(header(await reply(c, "event json CHANNEL_CREATE BACKGROUND_JOB\n\n"), "Reply-Text")).toBe("+OK event listener enabled json");
    c.send("bgapi originate user/1000 &park\n\n");
    const create = await c.waitFor((f) => header(f, "Content-Type") === "text/event-json" && f.body.includes('"CHANNEL_CREATE"'));
    const obj = JSON.parse(create.body) as Record<string, unknown>;
    expect(Object.keys(obj).slice(0, 13)).toEqual(STANDARD_HEADERS);
    expect(Object.values(obj).every((v) => typeof v === "string")).toBe(true);
    expect(obj["FreeSWITCH-IPv6"]).toBe("::1");
    const job = await c.waitFor((f) => header(f, "Content-Type") === "text/event-json" && f.body.includes('"BACKGROUND_JOB"'));
    const jobObj = JSON.parse(job.body) as Record<string, string>;
    const keys = Object.keys(jobObj);
    expect(keys.slice(-2)).toEqual(["Content-Length", "_body"]);
    expect(jobObj._body).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(jobObj["Content-Length"]).toBe(String(Buffer.byteLength(jobObj._body!)));
  });

  test("subscriptions add up, unknown names are ignored, no known name is an error", async () => {
    const sim = await startSim();
    const c = await client(sim);
    expect(header(await reply(c, "event plain NOT_AN_EVENT\n\n"), "Reply-Text")).toBe("-ERR no keywords supplied");
    expect(header(await reply(c, "event plain heartbeat NOT_AN_EVENT\n\n"), "Reply-Text")).toBe("+OK event listener enabled plain");
    expect(header(await reply(c, "event plain SWITCH_EVENT_API\n\n"), "Reply-Text")).toBe("+OK event listener enabled plain");
    sim.heartbeat();
    const hb = await c.waitForEvent("HEARTBEAT");
    expect(value(hb, "Event-Info")).toBe("System%20Ready");
    expect(value(hb, "FreeSWITCH-Version")).toBe("1.10.12-release~64bit");
    await reply(c, "api version\n\n");
    const api = await c.waitForEvent("API");
    expect(value(api, "API-Command")).toBe("version");
    expect(header(await reply(c, "noevents\n\n"), "Reply-Text")).toBe("+OK no longer listening for events");
    expect(header(await reply(c, "noevents\n\n"), "Reply-Text")).toBe("-ERR not listening for events");
  });

  test("filters: positive filters select, negative ones exclude, delete restores", async () => {
    const sim = await startSim();
    const c = await client(sim);
    await reply(c, "event plain CHANNEL_CREATE\n\n");
    const a = "aaaaaaaa-0000-0000-0000-000000000001";
    const b = "bbbbbbbb-0000-0000-0000-000000000002";
    expect(header(await reply(c, `filter Unique-ID ${b}\n\n`), "Reply-Text")).toBe(`+OK filter added. [Unique-ID]=[${b}]`);
    await reply(c, `api originate {origination_uuid=${a}}user/1000 &park\n\n`);
    await reply(c, `api originate {origination_uuid=${b}}user/1001 &park\n\n`);
    const seen = await c.waitForEvent("CHANNEL_CREATE");
    expect(value(seen, "Unique-ID")).toBe(b);
    expect(header(await reply(c, "filter delete Unique-ID\n\n"), "Reply-Text")).toBe("+OK filter deleted. [Unique-ID][]");
    expect(header(await reply(c, "filter Caller-Destination-Number -1002\n\n"), "Reply-Text")).toBe(
      "+OK filter added. [Caller-Destination-Number]=[-1002]",
    );
    expect(header(await reply(c, "filter Event-Name /^CHANNEL_/\n\n"), "Reply-Text")).toBe("+OK filter added. [Event-Name]=[/^CHANNEL_/]");
    await reply(c, "api originate user/1002 &park\n\n");
    await reply(c, "api originate user/1003 &park\n\n");
    const next = await c.waitForEvent("CHANNEL_CREATE");
    expect(value(next, "Caller-Destination-Number")).toBe("1003");
    expect(header(await reply(c, "filter\n\n"), "Reply-Text")).toBe("-ERR command not found");
    expect(header(await reply(c, "filter Unique-ID\n\n"), "Reply-Text")).toBe("-ERR invalid syntax");
  });
});

describe("myevents <uuid> on an inbound connection", () => {
  test("binds the connection to that channel; its hangup ends the session with a session-bound notice", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const mine = "dddddddd-0000-0000-0000-000000000004";
    const other = "eeeeeeee-0000-0000-0000-000000000005";
    await reply(c, `api originate {origination_uuid=${mine}}user/1000 &park\n\n`);
    await reply(c, `api originate {origination_uuid=${other}}user/1001 &park\n\n`);
    expect(header(await reply(c, "myevents 00000000-0000-0000-0000-000000000000 plain\n\n"), "Reply-Text")).toBe("-ERR invalid uuid");
    expect(header(await reply(c, `myevents ${mine}\n\n`), "Reply-Text")).toBe("+OK Events Enabled");
    expect(header(await reply(c, "nolinger\n\n"), "Reply-Text")).toBe("+OK will not linger");
    await reply(c, `api uuid_kill ${other}\n\n`);
    await reply(c, `api uuid_kill ${mine} CALL_REJECTED\n\n`);
    await c.closedPromise;
    const events = c.frames.filter((f) => header(f, "Content-Type") === "text/event-plain");
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((f) => value(f, "Unique-ID") === mine)).toBe(true);
    expect(c.rawText()).toEndWith(
      `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${mine}\nContent-Disposition: disconnect\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n`,
    );
  });

  test("linger without a session is refused", async () => {
    const sim = await startSim();
    const c = await client(sim);
    expect(header(await reply(c, "linger\n\n"), "Reply-Text")).toBe("-ERR not controlling a session");
    expect(header(await reply(c, "divert_events on\n\n"), "Reply-Text")).toBe("-ERR not controlling a session.");
    expect(header(await reply(c, "sendmsg\ncall-command: hangup\n\n"), "Reply-Text")).toBe("-ERR invalid session id []");
    expect(header(await reply(c, "bogus\n\n"), "Reply-Text")).toBe("-ERR command not found");
  });
});

describe("inbound calls to an unreachable app", () => {
  test("placeInboundCall rejects and the call ends as the dialplan would", async () => {
    const sim = await startSim();
    const c = await client(sim);
    await reply(c, "event plain CHANNEL_HANGUP_COMPLETE\n\n");
    // A port nobody listens on: take a free one and close it again.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(sim.placeInboundCall({ from: "100", to: "200", socket: { host: "127.0.0.1", port } })).rejects.toThrow();
    const complete = await c.waitForEvent("CHANNEL_HANGUP_COMPLETE");
    expect(value(complete, "Hangup-Cause")).toBe("NORMAL_CLEARING");
    expect(value(complete, "variable_last_app")).toBe("socket");
  });
});

describe("show channels", () => {
  test("empty is exactly {\"row_count\": 0}\\n; a live channel is listed with string values", async () => {
    const sim = await startSim();
    const c = await client(sim);
    expect((await reply(c, "api show channels as json\n\n")).body).toBe('{"row_count": 0}\n');
    const uuid = "cccccccc-0000-0000-0000-000000000003";
    await reply(c, `api originate {origination_uuid=${uuid}}sofia/gateway/gw/15550001 &park\n\n`);
    const body = (await reply(c, "api show channels as json\n\n")).body;
    const parsed = JSON.parse(body) as { row_count: number; rows: Array<Record<string, unknown>> };
    expect(parsed.row_count).toBe(1);
    expect(parsed.rows[0]!.uuid).toBe(uuid);
    expect(parsed.rows[0]!.direction).toBe("outbound");
    expect(parsed.rows[0]!.callstate).toBe("ACTIVE");
    expect(Object.values(parsed.rows[0]!).every((v) => typeof v === "string")).toBe(true);
    const calls = JSON.parse((await reply(c, "api show calls as json\n\n")).body) as { row_count: number; rows: Array<Record<string, string>> };
    expect(calls.rows[0]!.uuid).toBe(uuid);
    expect(calls.rows[0]!.b_uuid).toBe("");
  });
});

describe("backpressure", () => {
  test("a listener whose event queue reaches the cap is disconnected", async () => {
    const sim = await startSim({ listenerQueueCap: 50 });
    const c = await client(sim);
    await reply(c, "event plain HEARTBEAT\n\n");
    c.socket.pause();
    for (let i = 0; i < 5000 && !c.closed; i++) sim.heartbeat();
    c.socket.resume();
    await c.closedPromise;
    expect(c.closed).toBe(true);
  });
});
