/**
 * The simulator's loaded-module set and files, over raw ESL bytes: what a
 * FreeSWITCH 1.10.12 answers for an application, file format, TTS engine,
 * endpoint or api command whose module is not loaded, and for a file that
 * does not exist (switch_core_session.c, switch_core_file.c,
 * switch_ivr_play_say.c, mod_dptools.c, mod_event_socket.c).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseModulesConf, SHIPPED_MODULES_CONF, SwitchSimulator } from "../../src/sim/index.ts";
import { header, parsePlainEvent, RawEslClient, type RawFrame } from "../../src/sim/raw-esl-client.ts";
import { eventValue as value, rawEslHarness, reply } from "../support/raw-esl.ts";

const SHIPPED = parseModulesConf(readFileSync(SHIPPED_MODULES_CONF, "utf8"));
const without = (...drop: string[]) => SHIPPED.filter((m) => !drop.includes(m));
const PREFIX = "/usr/share/freeswitch/sounds/en/us/callie";

const { startSim, client: connect } = rawEslHarness({ timeScale: 0.01, heartbeatIntervalMs: 0 });

/** An authenticated raw connection subscribed to every event. */
const client = (sim: SwitchSimulator) => connect(sim, { events: "ALL" });

function decoded(frame: RawFrame, name: string): string | undefined {
  const v = value(frame, name);
  return v === undefined ? undefined : decodeURIComponent(v);
}

/** Every event frame received so far for this channel, as Event-Name[:Application]. */
function eventsOf(c: RawEslClient, uuid: string): string[] {
  return c.frames
    .filter((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Unique-ID") === uuid)
    .map((f) => {
      const name = value(f, "Event-Name")!;
      const app = value(f, "Application");
      return app ? `${name}:${app}` : name;
    });
}

/** The first event frame received with this name (whether or not a wait consumed it). */
function eventFrame(c: RawEslClient, name: string): RawFrame | undefined {
  return c.frames.find((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === name);
}

let n = 0;
/** An answered, parked outbound call. */
async function parkedCall(c: RawEslClient): Promise<string> {
  const uuid = `5eed0000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
  const r = await reply(c, `api originate {origination_uuid=${uuid}}sofia/gateway/carrier/15551230000 &park\n\n`);
  expect(r.body).toBe(`+OK ${uuid}\n`);
  await c.waitForEvent("CHANNEL_PARK", (h) => h.some(([k, v]) => k === "Unique-ID" && v === uuid));
  return uuid;
}

function execute(c: RawEslClient, uuid: string, app: string, arg: string, eventUuid: string): Promise<RawFrame> {
  return reply(c, `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}\nexecute-app-arg: ${arg}\nEvent-UUID: ${eventUuid}\n\n`);
}

function completeOf(c: RawEslClient, eventUuid: string): Promise<RawFrame> {
  return c.waitForEvent("CHANNEL_EXECUTE_COMPLETE", (h) => h.some(([k, v]) => k === "Application-UUID" && v === eventUuid));
}

describe("the loaded-module set", () => {
  test("defaults to the shipped modules.conf.xml, read from the file; module_exists answers from it", async () => {
    expect(SHIPPED).toContain("mod_hash");
    expect(SHIPPED).toContain("mod_ssml");
    expect(SHIPPED).toContain("mod_flite");
    expect(SHIPPED).not.toContain("mod_opus"); // optional: commented out
    expect(SHIPPED).not.toContain("mod_amd");
    const sim = await startSim();
    expect(sim.modules).toEqual(SHIPPED);
    const c = await client(sim);
    expect((await reply(c, "api module_exists mod_hash\n\n")).body).toBe("true");
    expect((await reply(c, "api module_exists mod_amd\n\n")).body).toBe("false");
  });

  test("a scenario's modules, or the modules option (which wins), replace it", async () => {
    expect((await startSim({ scenario: { modules: ["mod_commands", "mod_dptools"] } })).modules).toEqual(["mod_commands", "mod_dptools"]);
    const sim = await startSim({ modules: ["mod_commands"], scenario: { modules: ["mod_commands", "mod_dptools"] } });
    expect(sim.modules).toEqual(["mod_commands"]);
    expect(() => new SwitchSimulator({ scenario: { modules: ["hash"] } })).toThrow(/modules/);
  });
});

describe("an application whose module is not loaded", () => {
  test("sendmsg execute hash without mod_hash: +OK, no CHANNEL_EXECUTE, hangup DESTINATION_OUT_OF_ORDER (q850 27)", async () => {
    const sim = await startSim({ modules: without("mod_hash") });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    const sent = await execute(c, uuid, "hash", "insert/vm-spymap/1000/x", "aaaaaaaa-0000-4000-8000-000000000001");
    expect(sent.raw).toBe("Content-Type: command/reply\nReply-Text: +OK\n\n");
    const hangup = await c.waitForEvent("CHANNEL_HANGUP");
    expect(value(hangup, "Hangup-Cause")).toBe("DESTINATION_OUT_OF_ORDER");
    const complete = await c.waitForEvent("CHANNEL_HANGUP_COMPLETE");
    expect(value(complete, "Hangup-Cause")).toBe("DESTINATION_OUT_OF_ORDER");
    expect(value(complete, "variable_hangup_cause_q850")).toBe("27");
    await c.waitForEvent("CHANNEL_DESTROY");
    // switch_core_session_execute_application_get_flags returns before switch_core_session_exec: hash never runs.
    const events = eventsOf(c, uuid);
    expect(events.filter((e) => e.endsWith(":hash"))).toEqual([]);
    expect(events.slice(events.indexOf("CHANNEL_HANGUP"))).toEqual([
      "CHANNEL_HANGUP",
      "CHANNEL_UNPARK",
      "CHANNEL_EXECUTE_COMPLETE:park",
      "CHANNEL_STATE",
      "CHANNEL_CALLSTATE",
      "CHANNEL_STATE",
      "CHANNEL_HANGUP_COMPLETE",
      "CHANNEL_DESTROY",
      "CHANNEL_STATE",
    ]);
  });

  test("with mod_hash loaded (the shipped set) hash runs, and the hash api reads what it stored", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "hash", "insert/vm-last_dial/1000/5501", "aaaaaaaa-0000-4000-8000-000000000002");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000002");
    expect(value(done, "Application-Response")).toBe("_none_");
    expect((await reply(c, "api hash select/vm-last_dial/1000\n\n")).body).toBe("5501");
    expect((await reply(c, "api hash insert/r/k/a/b\n\n")).raw).toBe("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
    expect((await reply(c, "api hash select/r/k\n\n")).body).toBe("a/b");
    // An empty answer is written by mod_event_socket as -ERR no reply.
    expect((await reply(c, "api hash select/r/none\n\n")).body).toBe("-ERR no reply\n");
    expect(eventsOf(c, uuid)).not.toContain("CHANNEL_HANGUP");
  });

  test("originate &hash(…) without mod_hash: +OK <uuid>, then the leg hangs up DESTINATION_OUT_OF_ORDER", async () => {
    const sim = await startSim({ modules: without("mod_hash") });
    const c = await client(sim);
    const uuid = "5eed0000-0000-4000-8000-00000000a001";
    expect((await reply(c, `api originate {origination_uuid=${uuid}}sofia/gateway/carrier/15551230000 &hash(insert/a/b/c)\n\n`)).body).toBe(
      `+OK ${uuid}\n`,
    );
    const hangup = await c.waitForEvent("CHANNEL_HANGUP");
    expect(value(hangup, "Hangup-Cause")).toBe("DESTINATION_OUT_OF_ORDER");
    expect(eventsOf(c, uuid).filter((e) => e.startsWith("CHANNEL_EXECUTE"))).toEqual([]);
  });

  test("speak with flite but no mod_flite: EXECUTE then EXECUTE_COMPLETE at once (_none_), the call stays up", async () => {
    const sim = await startSim({ modules: without("mod_flite"), scenario: { timing: { speakMsPerChar: 100_000 } } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "speak", "flite|kal|Your order has shipped.", "aaaaaaaa-0000-4000-8000-000000000003");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000003");
    expect(value(done, "Application-Response")).toBe("_none_");
    expect(sim.channelCount()).toBe(1);
    expect((await reply(c, `api uuid_exists ${uuid}\n\n`)).body).toBe("true");
  });

  test("speak with a voice flite does not have returns at once too; a speak with no engine at all hangs up", async () => {
    const sim = await startSim({ scenario: { timing: { speakMsPerChar: 100_000 } } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "speak", "flite|nobody|Hello", "aaaaaaaa-0000-4000-8000-000000000004");
    expect(value(await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000004"), "Application-Response")).toBe("_none_");
    // "Hello" alone and no tts_engine / tts_voice on the channel: "Invalid Params!", DESTINATION_OUT_OF_ORDER.
    await execute(c, uuid, "speak", "Hello", "aaaaaaaa-0000-4000-8000-000000000005");
    const hangup = await c.waitForEvent("CHANNEL_HANGUP");
    expect(value(hangup, "Hangup-Cause")).toBe("DESTINATION_OUT_OF_ORDER");
    await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000005");
    // speak_function hangs up inside the app: its EXECUTE_COMPLETE follows CHANNEL_HANGUP, then park ends.
    const events = eventsOf(c, uuid);
    const second = events.lastIndexOf("CHANNEL_EXECUTE:speak");
    expect(events.slice(second, second + 5)).toEqual([
      "CHANNEL_EXECUTE:speak",
      "CHANNEL_HANGUP",
      "CHANNEL_EXECUTE_COMPLETE:speak",
      "CHANNEL_UNPARK",
      "CHANNEL_EXECUTE_COMPLETE:park",
    ]);
  });

  test("an endpoint whose module is not loaded: originate answers -ERR CHAN_NOT_IMPLEMENTED", async () => {
    const sim = await startSim({ modules: without("mod_loopback") });
    const c = await client(sim);
    expect((await reply(c, "api originate loopback/9901/switchboard &park\n\n")).body).toBe("-ERR CHAN_NOT_IMPLEMENTED\n");
    expect(sim.channelCount()).toBe(0);
  });
});

describe("a file format whose module is not loaded", () => {
  test("playback tts://… without mod_ssml: FILE NOT FOUND at once, no PLAYBACK events", async () => {
    const sim = await startSim({ modules: without("mod_ssml") });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "playback", "tts://flite|kal|Press four then two", "aaaaaaaa-0000-4000-8000-000000000006");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000006");
    expect(decoded(done, "Application-Response")).toBe("FILE NOT FOUND");
    expect(eventsOf(c, uuid).filter((e) => e.startsWith("PLAYBACK"))).toEqual([]);
  });

  test("with mod_ssml and mod_flite (the shipped set) tts:// plays: PLAYBACK_START/STOP, FILE PLAYED, no Playback-File-Type", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "playback", "tts://flite|kal|Hi", "aaaaaaaa-0000-4000-8000-000000000007");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000007");
    expect(decoded(done, "Application-Response")).toBe("FILE PLAYED");
    const start = eventFrame(c, "PLAYBACK_START")!;
    expect(decoded(start, "Playback-File-Path")).toBe("tts://flite|kal|Hi");
    expect(value(start, "Playback-File-Type")).toBeUndefined();
    // tts:// with a TTS engine that is not loaded fails like a missing format.
    await execute(c, uuid, "playback", "tts://unimrcp|v|Hi", "aaaaaaaa-0000-4000-8000-000000000008");
    expect(decoded(await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000008"), "Application-Response")).toBe("FILE NOT FOUND");
  });

  test("play_and_get_digits with a tts:// prompt and no mod_ssml returns after the invalid-input file, the digits variable unset", async () => {
    // The digits come well after the (unplayable) prompt would have ended: 300 ms at this time scale, so a loaded
    // machine cannot deliver them before the gather has returned.
    const callee = { match: { prefix: "1555" }, outcome: "answer" as const, ringMs: 100, dtmf: [{ atMs: 30_000, digits: "42" }] };
    const sim = await startSim({ modules: without("mod_ssml"), scenario: { callees: [callee] } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(
      c,
      uuid,
      "play_and_get_digits",
      "1 2 1 5000 # 'tts://flite|kal|Press four then two' silence_stream://250 switchboard_gather_digits ^[0-9*#]+$ 5000",
      "aaaaaaaa-0000-4000-8000-000000000009",
    );
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000009");
    expect(value(done, "Application-Response")).toBe("_none_");
    expect(value(done, "variable_switchboard_gather_digits")).toBeUndefined();
    // switch_ivr_read returns before it sets read_result: unset, not "failure".
    expect(value(done, "variable_read_result")).toBeUndefined();
    // Only the invalid-input file played; the callee's digits come later and are not collected.
    const played = c.frames
      .filter((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === "PLAYBACK_START")
      .map((f) => decoded(f, "Playback-File-Path"));
    expect(played).toEqual(["silence_stream://250"]);
    expect(eventsOf(c, uuid)).not.toContain("DTMF");
  });

  test("the same gather with mod_ssml loaded plays the prompt and collects the digits", async () => {
    const callee = { match: { prefix: "1555" }, outcome: "answer" as const, ringMs: 100, dtmf: [{ atMs: 800, digits: "42" }] };
    const sim = await startSim({ scenario: { callees: [callee] } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(
      c,
      uuid,
      "play_and_get_digits",
      "1 2 1 5000 # 'tts://flite|kal|Press four then two' silence_stream://250 switchboard_gather_digits ^[0-9*#]+$ 5000",
      "aaaaaaaa-0000-4000-8000-00000000000a",
    );
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000a");
    expect(value(done, "variable_switchboard_gather_digits")).toBe("42");
    expect(value(done, "variable_read_result")).toBe("success");
    expect(eventsOf(c, uuid)).toContain("DTMF");
  });

  test("a gather whose prompt played but got no digits: read_result failure, after the prompt's and the invalid file's PLAYBACK events", async () => {
    const sim = await startSim({ scenario: { callees: [{ match: { prefix: "1555" }, outcome: "answer", ringMs: 100 }] } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "play_and_get_digits", "1 1 1 1000 # 'tts://flite|kal|Press 1' silence_stream://250 d ^[0-9*#]+$ 1000", "aaaaaaaa-0000-4000-8000-000000000011");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000011");
    expect(value(done, "variable_read_result")).toBe("failure");
    expect(value(done, "variable_d")).toBeUndefined();
    const played = c.frames
      .filter((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === "PLAYBACK_START")
      .map((f) => decoded(f, "Playback-File-Path"));
    expect(played).toEqual(["tts://flite|kal|Press 1", "silence_stream://250"]);
  });

  test("http(s):// needs mod_httapi", async () => {
    for (const [modules, response] of [
      [without("mod_httapi"), "FILE NOT FOUND"],
      [SHIPPED, "FILE PLAYED"],
    ] as const) {
      const sim = await startSim({ modules });
      const c = await client(sim);
      const uuid = await parkedCall(c);
      await execute(c, uuid, "playback", "https://example.com/prompt.wav", "aaaaaaaa-0000-4000-8000-00000000000b");
      expect(decoded(await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000b"), "Application-Response")).toBe(response);
    }
  });
});

describe("an api command whose module is not loaded", () => {
  test("answers -ERR <cmd> Command not found! and still fires an API event", async () => {
    const sim = await startSim({ modules: without("mod_hash") });
    const c = await client(sim);
    const f = await reply(c, "api hash select/a/b\n\n");
    expect(f.raw).toBe("Content-Type: api/response\nContent-Length: 29\n\n-ERR hash Command not found!\n");
    const ev = await c.waitForEvent("API");
    expect(value(ev, "API-Command")).toBe("hash");
    expect(value(ev, "API-Command-Argument")).toBe("select/a/b");
  });

  test("without mod_commands even originate and status are not found, as api and as bgapi", async () => {
    const sim = await startSim({ modules: without("mod_commands") });
    const c = await client(sim);
    expect((await reply(c, "api status\n\n")).body).toBe("-ERR status Command not found!\n");
    c.send("bgapi originate sofia/gateway/carrier/15551230000 &park\nJob-UUID: bbbbbbbb-0000-4000-8000-000000000001\n\n");
    const job = await c.waitForEvent("BACKGROUND_JOB");
    expect(parsePlainEvent(job.body).body).toBe("-ERR originate Command not found!\n");
    expect(sim.channelCount()).toBe(0);
  });

  test("the API event follows the command: an originate's comes after the call is up", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const uuid = await parkedCall(c);
    const names = c.frames.filter((f) => header(f, "Content-Type") === "text/event-plain").map((f) => value(f, "Event-Name"));
    expect(names.indexOf("API")).toBeGreaterThan(names.indexOf("CHANNEL_ANSWER"));
    expect(uuid).toBeString();
  });
});

describe("files that do not exist", () => {
  test("a relative sound on a switch without sound packages: FILE NOT FOUND, no PLAYBACK events", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "playback", "ivr/ivr-welcome.wav", "aaaaaaaa-0000-4000-8000-00000000000c");
    const done = await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000c");
    expect(decoded(done, "Application-Response")).toBe("FILE NOT FOUND");
    expect(eventsOf(c, uuid).filter((e) => e.startsWith("PLAYBACK"))).toEqual([]);
    expect(value(done, "variable_playback_ms")).toBeUndefined();
  });

  test("a file in the scenario's files plays, reported under sound_prefix; mod_sndfile finds ivr/8000/… for ivr/…", async () => {
    const sim = await startSim({ scenario: { files: ["ivr/8000/ivr-welcome.wav", "/var/lib/prompts/hello.wav"] } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "playback", "ivr/ivr-welcome.wav", "aaaaaaaa-0000-4000-8000-00000000000d");
    expect(decoded(await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000d"), "Application-Response")).toBe("FILE PLAYED");
    const stop = eventFrame(c, "PLAYBACK_STOP")!;
    expect(decoded(stop, "Playback-File-Path")).toBe(`${PREFIX}/ivr/ivr-welcome.wav`);
    expect(value(stop, "Playback-Status")).toBe("done");
    await execute(c, uuid, "playback", "/var/lib/prompts/hello.wav", "aaaaaaaa-0000-4000-8000-00000000000e");
    expect(decoded(await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000e"), "Application-Response")).toBe("FILE PLAYED");
    await execute(c, uuid, "playback", "/var/lib/prompts/other.wav", "aaaaaaaa-0000-4000-8000-00000000000f");
    expect(decoded(await completeOf(c, "aaaaaaaa-0000-4000-8000-00000000000f"), "Application-Response")).toBe("FILE NOT FOUND");
  });

  test("streams exist without files: tone_stream, silence_stream, file_string of parts that exist", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const uuid = await parkedCall(c);
    const cases: Array<[string, string]> = [
      ["tone_stream://%(200,0,440)", "FILE PLAYED"],
      ["silence_stream://100", "FILE PLAYED"],
      ["silence_stream://0", "FILE NOT FOUND"],
      // file_string skips the parts it cannot open and plays the rest.
      ["file_string://ivr/ivr-welcome.wav!silence_stream://100", "FILE PLAYED"],
      ["file_string://ivr/ivr-welcome.wav!ivr/ivr-goodbye.wav", "FILE NOT FOUND"],
      ["nosuch_stream://x", "FILE NOT FOUND"],
      ["", "PLAYBACK ERROR"],
    ];
    let i = 0;
    for (const [file, response] of cases) {
      const id = `cccccccc-0000-4000-8000-${String(++i).padStart(12, "0")}`;
      c.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: playback\n${file ? `execute-app-arg: ${file}\n` : ""}Event-UUID: ${id}\n\n`);
      expect([file, decoded(await completeOf(c, id), "Application-Response")]).toEqual([file, response]);
    }
    const types = c.frames
      .filter((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === "PLAYBACK_START")
      .map((f) => [decoded(f, "Playback-File-Path"), value(f, "Playback-File-Type")]);
    expect(types).toEqual([
      ["tone_stream://%(200,0,440)", "tone_stream"],
      ["silence_stream://100", undefined],
      ["file_string://ivr/ivr-welcome.wav!silence_stream://100", undefined],
    ]);
  });

  test("a tone_stream lasts as long as its tones", async () => {
    const sim = await startSim({ scenario: { timing: { playbackMs: 600_000 } } });
    const c = await client(sim);
    const uuid = await parkedCall(c);
    await execute(c, uuid, "playback", "tone_stream://%(200,0,440);loops=2", "aaaaaaaa-0000-4000-8000-000000000010");
    await completeOf(c, "aaaaaaaa-0000-4000-8000-000000000010");
    const stop = eventFrame(c, "PLAYBACK_STOP")!;
    expect(value(stop, "variable_playback_ms")).toBe("400");
  });
});
