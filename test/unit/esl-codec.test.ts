/**
 * Replays every capture in test/fixtures/esl-traces/ through the guarded parser
 * (installed on modesl's Parser) and decode(), and checks the typed events a
 * user of the runtime would see. Also: the parser's fault handling on hand-made
 * broken streams, and the percent-decoding policy.
 */
import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import {
  createGuardedParser,
  decode,
  decodeOutcome,
  frameInfo,
  q850ForCause,
  safeDecodeURIComponent,
  type DecodeCounters,
  type SkipNotice,
  type SwitchEvent,
} from "../../src/esl/index.ts";
import type EslEvent from "modesl/lib/esl/Event.js";

const TRACES = join(import.meta.dir, "../fixtures/esl-traces");
const FS1010 = join(TRACES, "freeswitch-1.10.12");

interface Frame {
  event: EslEvent;
  headers: Record<string, unknown>;
  body: string | undefined;
}

/** Feed bytes (in the given chunks) through a guarded parser over a stand-in socket. */
function frame(chunks: Buffer[]): { frames: Frame[]; skipped: SkipNotice[] } {
  const socket = new EventEmitter();
  const parser = createGuardedParser(socket as unknown as Socket);
  const frames: Frame[] = [];
  const skipped: SkipNotice[] = [];
  parser.on("esl::event", (event: EslEvent, headers: Record<string, unknown>, body?: string) => frames.push({ event, headers, body }));
  parser.on("skipped", (n: SkipNotice) => skipped.push(n));
  for (const chunk of chunks) socket.emit("data", chunk);
  return { frames, skipped };
}

/** Split a buffer into chunks of `size` bytes (exercises frames and UTF-8 split across reads). */
function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function fixture(name: string): Buffer {
  return readFileSync(join(TRACES, name));
}

/** Frame a fixture whole and in 7-byte chunks; both must give the same frames. */
function replay(name: string): { frames: Frame[]; skipped: SkipNotice[] } {
  const bytes = fixture(name);
  const whole = frame([bytes]);
  const small = frame(chunked(bytes, 7));
  expect(small.frames.map((f) => f.headers["Content-Type"])).toEqual(whole.frames.map((f) => f.headers["Content-Type"]));
  expect(small.frames.map((f) => f.body)).toEqual(whole.frames.map((f) => f.body));
  expect(whole.skipped).toEqual([]);
  expect(small.skipped).toEqual([]);
  return whole;
}

function decodeAll(frames: Frame[], counters?: DecodeCounters): SwitchEvent[] {
  const out: SwitchEvent[] = [];
  for (const f of frames) {
    const ct = f.headers["Content-Type"];
    if (typeof ct === "string" && ct.startsWith("text/event-")) {
      const e = decode(f.event, counters);
      if (e) out.push(e);
    }
  }
  return out;
}

function only<K extends SwitchEvent["kind"]>(events: SwitchEvent[], kind: K): Extract<SwitchEvent, { kind: K }> {
  expect(events.map((e) => e.kind)).toEqual([kind]);
  return events[0] as Extract<SwitchEvent, { kind: K }>;
}

describe("numbered fixtures", () => {
  test("01 outbound connect reply: CHANNEL_DATA as top-level headers → channel.data", () => {
    const { frames } = replay("01-NEventSocket-outbound-connect-reply-CHANNEL_DATA.txt");
    expect(frames).toHaveLength(1);
    const f = frames[0]!;
    expect(f.headers["Content-Type"]).toBe("command/reply");
    expect(f.headers["Reply-Text"]).toBe("+OK\n");
    expect(f.headers["Socket-Mode"]).toBe("async");
    const e = decode(f.event);
    expect(e?.kind).toBe("channel.data");
    if (e?.kind !== "channel.data") throw new Error("unreachable");
    expect(e.uuid).toBe("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
    expect(e.callerIdName).toBe("Dan X-Lite");
    expect(e.callerIdNumber).toBe("1001");
    expect(e.destinationNumber).toBe("3");
    expect(e.channelName).toBe("sofia/internal/1001@172.16.50.134");
    expect(e.direction).toBe("inbound");
    expect(e.callState).toBe("RINGING");
    expect(e.answerState).toBe("ringing");
    expect(e.channelState).toBe("CS_EXECUTE");
    expect(e.sequence).toBe(5808);
    expect(e.switchTimeMs).toBeCloseTo(1420557157955.591, 3);
    expect(e.coreUuid).toBe("8694f653-55e0-42ed-98d8-4983e2b6d248");
    expect(e.variables.current_application_data).toBe("127.0.0.1:8084 async full");
    expect(e.variables.socket_host).toBe("127.0.0.1");
  });

  test("02 command replies keep modesl's Modesl-Reply-OK massaging", () => {
    const { frames } = replay("02-NEventSocket-outbound-command-replies.txt");
    expect(frames.map((f) => f.event.getHeader("Reply-Text"))).toEqual(["+OK event listener enabled plain", "+OK will linger", "+OK"]);
    expect(frames.map((f) => f.event.getHeader("Modesl-Reply-OK"))).toEqual(["event listener enabled plain", "will linger", ""]);
  });

  test("03 CHANNEL_ANSWER → channel.answer", () => {
    const e = only(decodeAll(replay("03-NEventSocket-CHANNEL_ANSWER-event-plain.txt").frames), "channel.answer");
    expect(e.answerState).toBe("answered");
    expect(e.uuid).toBe("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
  });

  test("04 sendmsg +OK then CHANNEL_EXECUTE_COMPLETE carrying our Event-UUID as Application-UUID", () => {
    const { frames } = replay("04-NEventSocket-CHANNEL_EXECUTE_COMPLETE-playback-event-plain.txt");
    expect(frames[0]!.headers["Reply-Text"]).toBe("+OK");
    const e = only(decodeAll(frames), "channel.execute_complete");
    expect(e.application).toBe("playback");
    expect(e.applicationData).toBe("ivr/8000/ivr-call_being_transferred.wav");
    expect(e.applicationResponse).toBe("FILE PLAYED");
    expect(e.applicationUuid).toBe("5bb2b6da-8032-44cb-8bd9-5f27b5109d2f");
  });

  test("05 api/response body", () => {
    const { frames } = replay("05-NEventSocket-api-response.txt");
    expect(frames).toHaveLength(1);
    expect(frames[0]!.headers["Content-Type"]).toBe("api/response");
    expect(frames[0]!.event.getBody()).toBe("+OK\n");
    expect(frames[0]!.headers["Content-Length"]).toBe(4);
  });

  test("06 CHANNEL_BRIDGE → channel.bridge with the other leg", () => {
    const e = only(decodeAll(replay("06-NEventSocket-CHANNEL_BRIDGE-event-plain.txt").frames), "channel.bridge");
    expect(e.uuid).toBe("78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
    expect(e.otherUuid).toBe("9bc34cb7-1d0a-4c89-8d47-9dc25faa160f");
  });

  test("07 linger disconnect notice", () => {
    const { frames } = replay("07-NEventSocket-linger-disconnect-notice.txt");
    expect(frames).toHaveLength(1);
    expect(frames[0]!.headers["Content-Type"]).toBe("text/disconnect-notice");
    expect(frames[0]!.headers["Content-Disposition"]).toBe("linger");
    expect(frames[0]!.headers["Linger-Time"]).toBe("-1");
  });

  test("08 exit reply and the 67-byte goodbye", () => {
    const { frames } = replay("08-NEventSocket-exit-reply-and-final-disconnect-notice.txt");
    expect(frames.map((f) => f.headers["Content-Type"])).toEqual(["command/reply", "text/disconnect-notice"]);
    expect(frames[0]!.headers["Reply-Text"]).toBe("+OK bye");
    expect(frames[1]!.body).toBe("Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
  });

  test("09 DTMF %23 → channel.dtmf '#'", () => {
    const e = only(decodeAll(replay("09-NEventSocket-DTMF-event-plain.txt").frames), "channel.dtmf");
    expect(e.digit).toBe("#");
    expect(e.durationSamples).toBe(800);
    expect(e.uuid).toBe("cbd071e3-040b-4286-98f2-31d04dbb17ff");
  });

  test("10 inbound stream: auth, replies, BACKGROUND_JOB with a -ERR body", () => {
    const { frames } = replay("10-NEventSocket-inbound-auth-event-bgapi-BACKGROUND_JOB-stream.txt");
    expect(frames.map((f) => f.headers["Content-Type"])).toEqual([
      "auth/request",
      "command/reply",
      "command/reply",
      "command/reply",
      "text/event-plain",
    ]);
    expect(frames[1]!.event.getHeader("Modesl-Reply-OK")).toBe("accepted");
    expect(frames[3]!.headers["Job-UUID"]).toBe("43e14ab9-38b1-4187-9f08-e13f35136bb2");
    const e = only(decodeAll(frames), "background_job");
    expect(e.jobUuid).toBe("43e14ab9-38b1-4187-9f08-e13f35136bb2");
    expect(e.jobCommand).toBe("originate");
    expect(e.jobCommandArg).toBe("sofia/external/1000@10.10.10.108:5070 &playback(C:\\\\temp\\\\misc-freeswitch_is_state_of_the_art.wav");
    expect(e.body).toBe("-ERR RECOVERY_ON_TIMER_EXPIRE\n");
  });

  test("11 HEARTBEAT → heartbeat", () => {
    const e = only(decodeAll(replay("11-cgrates-fsock-HEARTBEAT-event-plain.txt").frames), "heartbeat");
    expect(e.sessionCount).toBe(0);
    expect(e.maxSessions).toBe(1000);
    expect(e.sequence).toBe(34262);
    expect(e.coreUuid).toBe("792e181c-b6e6-499c-82a1-52a778e7d82d");
  });

  test("12 CHANNEL_CREATE → channel.create", () => {
    const e = only(decodeAll(replay("12-cgrates-fsock-CHANNEL_CREATE-event-plain.txt").frames), "channel.create");
    expect(e.uuid).toBe("303c0f9f-4b32-4b9b-9f77-df0ca215bbe7");
    expect(e.callerIdNumber).toBe("4986517174963");
  });

  test("13 CHANNEL_EXECUTE_COMPLETE for set → _none_ response", () => {
    const e = only(decodeAll(replay("13-cgrates-fsock-CHANNEL_EXECUTE_COMPLETE-event-plain.txt").frames), "channel.execute_complete");
    expect(e.application).toBe("set");
    expect(e.applicationData).toBe("cgr_reqtype=prepaid");
    expect(e.applicationResponse).toBe("_none_");
    expect(e.applicationUuid).toBe("e7e50c20-eae3-4614-a576-c538ee326e1b");
  });

  test("14 CHANNEL_HANGUP ORIGINATOR_CANCEL: a FreeSWITCH-only cause, so q850 16", () => {
    const e = only(decodeAll(replay("14-cgrates-fsock-CHANNEL_HANGUP-event-plain.txt").frames), "channel.hangup");
    expect(e.hangupCause).toBe("ORIGINATOR_CANCEL");
    // The event carries no variable_hangup_cause_q850; the table says 487, which is above 127 → 16.
    expect(e.q850).toBe(16);
    expect(e.answerState).toBe("hangup");
    expect(e.callState).toBe("HANGUP");
  });

  test("15 CHANNEL_HANGUP_COMPLETE: q850 from variable_hangup_cause_q850, durations and epochs", () => {
    const e = only(decodeAll(replay("15-cgrates-fsock-CHANNEL_HANGUP_COMPLETE-event-plain.txt").frames), "channel.hangup_complete");
    expect(e.hangupCause).toBe("ORIGINATOR_CANCEL");
    expect(e.q850).toBe(16);
    expect(e.billSec).toBe(0);
    expect(e.answerEpoch).toBe(0);
    expect(e.startEpoch).toBe(1349437306);
    expect(e.endEpoch).toBe(1349437362);
    // No variable_duration in this 2012 capture: derived from the epochs.
    expect(e.durationSec).toBe(56);
  });

  test("16 CHANNEL_DESTROY → channel.destroy", () => {
    const e = only(decodeAll(replay("16-cgrates-fsock-CHANNEL_DESTROY-event-plain.txt").frames), "channel.destroy");
    expect(e.uuid).toBe("303c0f9f-4b32-4b9b-9f77-df0ca215bbe7");
  });

  test("17 event-json CHANNEL_DESTROY trimmed of its Unique-ID → counted as malformed, skipped", () => {
    const { frames } = replay("17-lua-lluv-esl-CHANNEL_DESTROY-event-json.txt");
    expect(frames).toHaveLength(1);
    const counters: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
    const outcome = decodeOutcome(frames[0]!.event, counters);
    expect(outcome).toEqual({ ok: false, reason: "malformed", eventName: "CHANNEL_DESTROY", missing: "Unique-ID" });
    expect(counters.malformed).toBe(1);
  });

  test("18 event-xml CHANNEL_DESTROY: values percent-decoded → channel.destroy", () => {
    const { frames } = replay("18-lua-lluv-esl-CHANNEL_DESTROY-event-xml.txt");
    expect(frames[0]!.event.getHeader("Event-Date-Local")).toBe("2017-08-03 14:40:13");
    const e = only(decodeAll(frames), "channel.destroy");
    expect(e.uuid).toBe("aed541be-c2c2-4f5d-94b6-3fe57ca4c8e9");
    expect(e.sequence).toBe(203908);
  });

  test("19 log/data frame", () => {
    const { frames } = replay("19-greenswitch-log-data.txt");
    expect(frames).toHaveLength(1);
    expect(frames[0]!.headers["Log-Level"]).toBe("7");
    expect(frames[0]!.body).toContain("State DESTROY going to sleep");
  });

  test("every framed event carries a monotonic arrival stamp", () => {
    const before = performance.now();
    const { frames } = replay("03-NEventSocket-CHANNEL_ANSWER-event-plain.txt");
    const e = decode(frames[0]!.event)!;
    expect(frameInfo(frames[0]!.event)?.receivedAt).toBe(e.receivedAt);
    expect(e.receivedAt).toBeGreaterThanOrEqual(before);
    expect(e.receivedAt).toBeLessThanOrEqual(performance.now());
  });
});

describe("FreeSWITCH 1.10.12 captures", () => {
  const expectedKinds: Record<string, number> = {
    "channel.create": 3,
    "channel.outgoing": 1,
    "channel.progress_media": 1,
    "channel.answer": 3,
    "channel.park": 1,
    "channel.callstate": 9,
    "channel.execute": 6,
    "channel.execute_complete": 6,
    "channel.hangup": 3,
    "channel.hangup_complete": 3,
    "channel.destroy": 3,
    "playback.start": 2,
    "playback.stop": 2,
    heartbeat: 1,
  };

  for (const file of ["esl_inbound_event_json_ALL.raw", "esl_inbound_event_plain_ALL.raw"]) {
    test(`${file}: every frame framed, every known event decoded, the rest counted as unknown`, () => {
      const bytes = readFileSync(join(FS1010, file));
      const { frames, skipped } = frame(chunked(bytes, 1500));
      expect(skipped).toEqual([]);
      expect(frames).toHaveLength(83);
      const counters: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };
      const events = decodeAll(frames, counters);
      const kinds: Record<string, number> = {};
      for (const e of events) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
      expect(kinds).toEqual(expectedKinds);
      // API, CALL_UPDATE, CHANNEL_ORIGINATE, CHANNEL_STATE ×20, CHANNEL_UNPARK, CODEC ×6, PRESENCE_IN ×3, RE_SCHEDULE.
      expect(counters.unknown).toBe(34);
      expect(counters.malformed).toBe(0);

      const hb = events.find((e) => e.kind === "heartbeat");
      expect(hb?.kind === "heartbeat" && hb.version).toBe("1.10.12-release~64bit");
      expect(hb?.kind === "heartbeat" && hb.upTimeMsec).toBeGreaterThan(0);
      for (const e of events) {
        if (e.kind === "channel.hangup_complete") {
          expect(e.q850).toBe(16);
          expect(e.hangupCause).toBe("NORMAL_CLEARING");
          expect(e.endEpoch).toBeGreaterThanOrEqual(e.startEpoch);
        }
        if (e.kind === "playback.stop") expect(["done", "break"]).toContain(e.status);
        if (e.kind !== "heartbeat" && e.kind !== "background_job") expect(e.uuid).toMatch(/^[0-9a-f-]{36}$/);
      }
      // Each created channel is destroyed exactly once.
      const created = events.filter((e) => e.kind === "channel.create").map((e) => (e as { uuid: string }).uuid);
      const destroyed = events.filter((e) => e.kind === "channel.destroy").map((e) => (e as { uuid: string }).uuid);
      expect(new Set(destroyed)).toEqual(new Set(created));
    });
  }

  /** The RECV chunks of a timestamped two-way transcript, in order, as they arrived. */
  function recvChunks(file: string): { chunks: Buffer[]; announced: Array<[string, number]> } {
    const text = readFileSync(join(FS1010, file));
    const chunks: Buffer[] = [];
    const announced: Array<[string, number]> = [];
    const marker = /===== \[[0-9.]+\] <<< RECV \((\d+) bytes\) <<<\n/g;
    const latin = text.toString("latin1");
    for (const m of latin.matchAll(marker)) {
      const start = m.index! + m[0].length;
      chunks.push(text.subarray(start, start + Number(m[1])));
    }
    for (const m of latin.matchAll(/----- \[[0-9.]+\] <<< frame Content-Type: (\S+) \(body (\d+) bytes\)/g)) {
      announced.push([m[1]!, Number(m[2])]);
    }
    return { chunks, announced };
  }

  function framedAs(frames: Frame[]): Array<[string, number]> {
    return frames.map((f) => [String(f.headers["Content-Type"]), f.body === undefined ? 0 : Buffer.byteLength(f.body)]);
  }

  test("inbound bgapi transcript: frames as recorded; BACKGROUND_JOB results decoded", () => {
    const { chunks, announced } = recvChunks("esl_inbound_bgapi_originate.transcript.txt");
    const { frames, skipped } = frame(chunks);
    expect(skipped).toEqual([]);
    expect(framedAs(frames)).toEqual(announced);
    const jobs = decodeAll(frames).filter((e) => e.kind === "background_job");
    const byJob = Object.fromEntries(jobs.map((j) => [j.kind === "background_job" ? j.jobUuid : "", j]));
    const answered = byJob["c214726f-b834-40a2-a773-aadbae96c472"];
    expect(answered?.kind === "background_job" && answered.body).toBe("+OK a0be6064-ca4c-423a-a898-446a4cc9712e\n");
    expect(answered?.kind === "background_job" && answered.jobCommandArg).toBe(
      "{origination_caller_id_number=5552000}loopback/1000/default &park",
    );
    const status = byJob["0b0b0b0b-1111-2222-3333-444444444444"];
    expect(status?.kind === "background_job" && status.jobCommand).toBe("status");
    const failed = byJob["35743aa4-f0a3-4763-a22b-2276d72c0a43"];
    expect(failed?.kind === "background_job" && failed.body.trim()).toBe("-ERR NO_ROUTE_DESTINATION");
  });

  for (const file of ["esl_outbound_socket_2000_linger.transcript.txt", "esl_outbound_socket_2000_linger_3s.transcript.txt"]) {
    test(`${file}: connect reply → channel.data, then the call's events in order`, () => {
      const { chunks, announced } = recvChunks(file);
      const { frames, skipped } = frame(chunks);
      expect(skipped).toEqual([]);
      expect(framedAs(frames)).toEqual(announced);
      const connect = decode(frames[0]!.event);
      expect(connect?.kind).toBe("channel.data");
      const uuid = connect?.kind === "channel.data" ? connect.uuid : "";
      const events = decodeAll(frames.slice(1));
      expect(events.map((e) => e.kind)).toEqual([
        "channel.execute",
        "channel.answer",
        "channel.execute_complete",
        "channel.execute",
        "channel.execute_complete",
        "channel.hangup",
        "channel.execute_complete",
        "channel.hangup_complete",
      ]);
      for (const e of events) expect((e as { uuid: string }).uuid).toBe(uuid);
      const hangup = events.find((e) => e.kind === "channel.hangup_complete");
      expect(hangup?.kind === "channel.hangup_complete" && hangup.q850).toBe(16);
      expect(frames.some((f) => f.headers["Content-Disposition"] === "linger")).toBe(true);
    });
  }
});

describe("guarded parser faults", () => {
  const answer = fixture("03-NEventSocket-CHANNEL_ANSWER-event-plain.txt");
  const dtmf = fixture("09-NEventSocket-DTMF-event-plain.txt");
  const okReply = Buffer.from("Content-Type: command/reply\nReply-Text: +OK\n\n");

  function kindsOf(frames: Frame[]): string[] {
    return frames.map((f) => decode(f.event)?.kind ?? String(f.headers["Content-Type"]));
  }

  /** Rewrite an event-plain frame's outer Content-Length. */
  function withOuterLength(buf: Buffer, delta: number): Buffer {
    const text = buf.toString("latin1");
    const m = /^Content-Length: (\d+)\n/.exec(text)!;
    return Buffer.from(text.replace(m[0], `Content-Length: ${Number(m[1]) + delta}\n`), "latin1");
  }

  test("garbage bytes between frames are skipped and reported; the next event is delivered", () => {
    const garbage = Buffer.from("\x00\xff\xfe garbage without a frame\n\nmore junk");
    for (const size of [1_000_000, 5]) {
      const { frames, skipped } = frame(chunked(Buffer.concat([answer, garbage, dtmf]), size));
      expect(kindsOf(frames)).toEqual(["channel.answer", "channel.dtmf"]);
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped.reduce((n, s) => n + s.bytes, 0)).toBe(garbage.length);
    }
  });

  test("Content-Length too long: the bad frame is skipped, the swallowed next frame is recovered", () => {
    const { frames, skipped } = frame([Buffer.concat([withOuterLength(answer, 40), dtmf, okReply])]);
    expect(kindsOf(frames)).toEqual(["channel.dtmf", "command/reply"]);
    expect(skipped.map((s) => s.reason)).toEqual(["bad-plain"]);
  });

  test("Content-Length too long with nothing after it yet: detected without waiting for bytes that never come", () => {
    const { frames, skipped } = frame([withOuterLength(answer, 100_000), dtmf]);
    expect(kindsOf(frames)).toEqual(["channel.dtmf"]);
    expect(skipped).toHaveLength(1);
  });

  test("Content-Length too short: skipped and reported; the next event is delivered", () => {
    const { frames, skipped } = frame([Buffer.concat([withOuterLength(answer, -30), dtmf])]);
    expect(kindsOf(frames)).toEqual(["channel.dtmf"]);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]!.reason).toBe("bad-plain");
  });

  test("non-numeric, negative and oversized Content-Length are refused", () => {
    for (const bad of ["abc", "-5", String(17 * 1024 * 1024)]) {
      const broken = Buffer.from(`Content-Length: ${bad}\nContent-Type: text/event-plain\n\nEvent-Name: HEARTBEAT\n\n`);
      const { frames, skipped } = frame([Buffer.concat([broken, dtmf])]);
      expect(kindsOf(frames)).toEqual(["channel.dtmf"]);
      expect(skipped[0]!.reason).toBe("bad-content-length");
    }
  });

  test("a header block without Content-Type is skipped", () => {
    const { frames, skipped } = frame([Buffer.concat([Buffer.from("Reply-Text: +OK\n\n"), okReply])]);
    expect(kindsOf(frames)).toEqual(["command/reply"]);
    expect(skipped.map((s) => s.reason)).toEqual(["no-content-type"]);
  });

  test("invalid JSON body: skipped (no 'error' event), the next event is delivered", () => {
    const body = '{"Event-Name":"CHANNEL_ANSWER","Unique-ID":"x"'; // truncated object
    const bad = Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`);
    const { frames, skipped } = frame([Buffer.concat([bad, dtmf])]);
    expect(kindsOf(frames)).toEqual(["channel.dtmf"]);
    expect(skipped.map((s) => s.reason)).toEqual(["bad-json"]);
  });

  test("api/response with a Content-Length too long gives the embedded next frame back", () => {
    const bad = Buffer.from("Content-Type: api/response\nContent-Length: 500\n\n+OK\n");
    const { frames, skipped } = frame([Buffer.concat([bad, okReply, dtmf])]);
    expect(kindsOf(frames)).toEqual(["command/reply", "channel.dtmf"]);
    expect(skipped.map((s) => s.reason)).toEqual(["embedded-frame"]);
  });

  test("Caller-Caller-ID-Name: Jos%E9 (Latin-1) decodes as José instead of crashing", () => {
    const create = fixture("12-cgrates-fsock-CHANNEL_CREATE-event-plain.txt").toString("latin1");
    const inner = create.slice(create.indexOf("\n\n") + 2).replace("Caller-Caller-ID-Name: 4986517174963", "Caller-Caller-ID-Name: Jos%E9");
    const frameText = `Content-Length: ${Buffer.byteLength(inner, "latin1")}\nContent-Type: text/event-plain\n\n${inner}`;
    const { frames, skipped } = frame([Buffer.from(frameText, "latin1"), dtmf]);
    expect(skipped).toEqual([]);
    const e = decode(frames[0]!.event);
    expect(e?.kind === "channel.create" && e.callerIdName).toBe("José");
    expect(kindsOf(frames)).toEqual(["channel.create", "channel.dtmf"]);
  });

  test("a body split inside a multibyte character is framed by bytes", () => {
    const body = "Event-Name: CUSTOM\nContent-Length: 6\n\né€x";
    const text = Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`);
    const { frames, skipped } = frame(chunked(text, 3));
    expect(skipped).toEqual([]);
    expect(frames[0]!.event.getBody()).toBe("é€x");
  });
});

describe("percent decoding", () => {
  test("valid UTF-8 escapes decode; stray bytes fall back to Latin-1; lone % stays", () => {
    expect(safeDecodeURIComponent("Dan%20X-Lite")).toBe("Dan X-Lite");
    expect(safeDecodeURIComponent("Jos%C3%A9")).toBe("José");
    expect(safeDecodeURIComponent("Jos%E9")).toBe("José");
    expect(safeDecodeURIComponent("M%FCller%20%E2%82%AC")).toBe("Müller €");
    expect(safeDecodeURIComponent("100%")).toBe("100%");
    expect(safeDecodeURIComponent("%zz%4")).toBe("%zz%4");
    expect(safeDecodeURIComponent("plain")).toBe("plain");
  });

  test("hangup cause table: Q.850 codes pass through, FreeSWITCH-only causes report 16", () => {
    expect(q850ForCause("USER_BUSY")).toBe(17);
    expect(q850ForCause("NO_ANSWER")).toBe(19);
    expect(q850ForCause("RECOVERY_ON_TIMER_EXPIRE")).toBe(102);
    expect(q850ForCause("ORIGINATOR_CANCEL")).toBe(16);
    expect(q850ForCause("MANAGER_REQUEST")).toBe(16);
  });
});
