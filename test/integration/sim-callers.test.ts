/**
 * Reactive simulated callers: a far end's scenario `turns` react to what the
 * switch plays to it (speak, playback) — replying after the bot stops, cutting
 * in N ms into its speech, hanging up mid-sentence, pressing digits — over raw
 * ESL, with what was said and when read back from the simulator.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModulesConf, parseScenario, type ScenarioInput, SHIPPED_MODULES_CONF, SwitchSimulator } from "../../src/sim/index.ts";
import { header, RawEslClient, type RawFrame } from "../../src/sim/raw-esl-client.ts";
import { decodeSpeechFrame, l16Samples, UtteranceText } from "../../src/sim/speech-audio.ts";
import { api as eslApi, eventValue as value, rawEslHarness } from "../support/raw-esl.ts";
import { until } from "../support/until.ts";

const MODULES = [...parseModulesConf(readFileSync(SHIPPED_MODULES_CONF, "utf8")), "mod_audio_stream"];

const esl = rawEslHarness({ heartbeatIntervalMs: 0, modules: MODULES });
const startSim = (scenario: ScenarioInput, timeScale = 1) => esl.startSim({ timeScale, scenario });
const client = (sim: SwitchSimulator) => esl.client(sim, { events: "ALL" });
const api = (c: RawEslClient, command: string) => eslApi(c, command, 10_000);

function event(c: RawEslClient, name: string, match: (f: RawFrame) => boolean = () => true, timeoutMs = 10_000): Promise<RawFrame> {
  return c.waitFor((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === name && match(f), timeoutMs);
}

let n = 0;
/** The far end answers at once; the switch's side of the call is ours to drive. */
async function answeredCall(c: RawEslClient): Promise<string> {
  const uuid = `ca110000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
  expect(await api(c, `originate {origination_uuid=${uuid}}sofia/gateway/carrier/15551230000 &park`)).toBe(`+OK ${uuid}\n`);
  await event(c, "CHANNEL_PARK", (f) => value(f, "Unique-ID") === uuid);
  return uuid;
}

function execute(c: RawEslClient, uuid: string, app: string, arg: string): void {
  c.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}\nexecute-app-arg: ${arg}\n\n`);
}

describe("turns that wait for the bot", () => {
  test("after a speak ends, the caller's turn starts after its delay (scaled like every scripted delay)", async () => {
    const sim = await startSim(
      { defaultCallee: { ringMs: 0, turns: [{ afterBotMs: 2000, say: "I'd like to book a table for two.", durationMs: 900 }] } },
      0.1,
    );
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "speak", "flite|kal|Hello, how can I help you today?");
    await event(c, "CHANNEL_EXECUTE_COMPLETE", (f) => value(f, "Application") === "speak");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    const [bot] = sim.botSpeech(uuid);
    const [said] = sim.callerTranscript(uuid);
    expect(bot).toMatchObject({ who: "bot", kind: "speak", text: "Hello, how can I help you today?", interrupted: false });
    // 33 characters × 50 ms, at timeScale 0.1.
    expect(bot!.durationMs).toBeGreaterThanOrEqual(160);
    expect(said).toMatchObject({ who: "callee", text: "I'd like to book a table for two.", turn: 0, durationMs: 900 });
    // afterBotMs 2000 × 0.1 after the bot stopped.
    const gap = said!.startedAt - bot!.endedAt!;
    expect(gap).toBeGreaterThanOrEqual(195);
    expect(gap).toBeLessThan(260);
  });

  test("the bot speaking again before the delay is over makes the caller wait for it to stop again", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ afterBotMs: 300, say: "Yes." }] } });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    // Two sentences queued back to back (first-sentence streaming): no gap between them.
    execute(c, uuid, "speak", "flite|kal|First sentence.");
    execute(c, uuid, "speak", "flite|kal|Second one.");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    const bot = sim.botSpeech(uuid);
    expect(bot.map((b) => b.text)).toEqual(["First sentence.", "Second one."]);
    const gap = sim.callerTranscript(uuid)[0]!.startedAt - bot[1]!.endedAt!;
    expect(gap).toBeGreaterThanOrEqual(295);
    expect(gap).toBeLessThan(380);
  });

  test("botSays waits for bot speech that matches; the next turn follows the caller's previous one", async () => {
    const sim = await startSim({
      defaultCallee: {
        ringMs: 0,
        turns: [
          { botSays: "appointment", afterBotMs: 100, say: "Yes, tomorrow please.", durationMs: 400 },
          { afterBotMs: 100, say: "Thanks, bye.", durationMs: 300 },
          { afterBotMs: 50, hangup: true },
        ],
      },
    });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "speak", "flite|kal|Welcome.");
    await Bun.sleep(600);
    expect(sim.callerTranscript(uuid)).toEqual([]);
    execute(c, uuid, "speak", "flite|kal|Would you like an appointment?");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    await Bun.sleep(450);
    execute(c, uuid, "speak", "flite|kal|Booked.");
    await until("the second caller turn", () => sim.callerTranscript(uuid).length === 2, 10_000, 5);
    execute(c, uuid, "speak", "flite|kal|Goodbye.");
    const hangup = await event(c, "CHANNEL_HANGUP", (f) => value(f, "Unique-ID") === uuid);
    expect(value(hangup, "Hangup-Cause")).toBe("NORMAL_CLEARING");
    const lines = sim.conversation(uuid).map((l) => `${l.who}: ${l.text}`);
    expect(lines).toEqual(["bot: Welcome.", "bot: Would you like an appointment?", "callee: Yes, tomorrow please.", "bot: Booked.", "callee: Thanks, bye.", "bot: Goodbye."]);
  });
});

describe("barge-in and hanging up", () => {
  test("a turn barges in N ms into a speak; uuid_break stops it and the bot line is marked interrupted", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ bargeInMs: 400, say: "Sorry, can I stop you there?", durationMs: 1000 }] } });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "speak", "flite|kal|Our opening hours are nine to five on weekdays and ten to two on Saturdays.");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    const [said] = sim.callerTranscript(uuid);
    const [bot] = sim.botSpeech(uuid);
    const into = said!.startedAt - bot!.startedAt;
    expect(into).toBeGreaterThanOrEqual(395);
    expect(into).toBeLessThan(460);
    expect(bot!.endedAt).toBeUndefined(); // still speaking when the caller cut in
    expect(await api(c, `uuid_break ${uuid} all`)).toBe("+OK\n");
    await event(c, "CHANNEL_EXECUTE_COMPLETE", (f) => value(f, "Application") === "speak");
    expect(sim.botSpeech(uuid)[0]).toMatchObject({ interrupted: true });
    expect(sim.botSpeech(uuid)[0]!.durationMs).toBeLessThan(600);
  });

  test("barge-in into a playback: PLAYBACK_STOP break, playback_ms what was read (16384-sample chunks), playback_last_offset_pos what was played", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ bargeInMs: 700, say: "Wait.", durationMs: 300 }] } });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "playback", "tone_stream://%(5000,0,440)");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    // What a runtime does when it hears the caller: break the bot off.
    expect(await api(c, `uuid_break ${uuid} all`)).toBe("+OK\n");
    const stop = await event(c, "PLAYBACK_STOP");
    expect(value(stop, "Playback-Status")).toBe("break");
    expect(value(stop, "variable_playback_ms")).toBe("2048");
    expect(value(stop, "variable_playback_samples")).toBe("16384");
    const offset = Number(value(stop, "variable_playback_last_offset_pos"));
    expect(offset % 160).toBe(0);
    expect(offset / 8).toBeGreaterThanOrEqual(700);
    expect(offset / 8).toBeLessThan(820);
    const complete = await event(c, "CHANNEL_EXECUTE_COMPLETE", (f) => value(f, "Application") === "playback");
    expect(value(complete, "Application-Response")).toBe("FILE%20PLAYED");
    expect(sim.botSpeech(uuid)[0]).toMatchObject({ kind: "playback", source: "tone_stream://%(5000,0,440)", interrupted: true });
  });

  test("hang up mid-sentence, N ms into the bot's speech", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ bargeInMs: 300, hangup: true }] } });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "speak", "flite|kal|Let me tell you about our special offers this month.");
    const hangup = await event(c, "CHANNEL_HANGUP", (f) => value(f, "Unique-ID") === uuid);
    expect(value(hangup, "Hangup-Cause")).toBe("NORMAL_CLEARING");
    const [bot] = sim.botSpeech(uuid);
    expect(bot).toMatchObject({ interrupted: true });
    expect(bot!.durationMs).toBeGreaterThanOrEqual(295);
    expect(bot!.durationMs).toBeLessThan(380);
  });

  test("a caller who hangs up in the middle of their own sentence: the line is cut there", async () => {
    const sim = await startSim({
      defaultCallee: { ringMs: 0, turns: [{ atMs: 0, say: "I was wondering whether you could possibly help me with", durationMs: 3000, hangupAfterMs: 500 }] },
    });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    await event(c, "CHANNEL_HANGUP_COMPLETE", (f) => value(f, "Unique-ID") === uuid);
    const [said] = sim.callerTranscript(uuid);
    expect(said).toMatchObject({ interrupted: true });
    expect(said!.durationMs).toBeGreaterThanOrEqual(495);
    expect(said!.durationMs).toBeLessThan(560);
  });
});

describe("other turns", () => {
  test("a DTMF turn answers a play_and_get_digits prompt once it has played", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ afterBotMs: 100, dtmf: "12#", intervalMs: 50 }] } }, 0.5);
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "play_and_get_digits", "1 4 1 5000 # tone_stream://%(400,0,440) silence_stream://250 choice \\d+");
    const done = await event(c, "CHANNEL_EXECUTE_COMPLETE", (f) => value(f, "Application") === "play_and_get_digits");
    expect(value(done, "variable_choice")).toBe("12");
    expect(value(done, "variable_read_result")).toBe("success");
    const digits = c.frames.filter((f) => value(f, "Event-Name") === "DTMF").map((f) => value(f, "DTMF-Digit"));
    expect(digits).toEqual(["1", "2", "%23"]);
  });

  test("a silent turn says nothing for its length; the caller's audio is silence meanwhile", async () => {
    const sim = await startSim({ defaultCallee: { ringMs: 0, turns: [{ atMs: 0, silent: true, durationMs: 400 }, { atMs: 0, say: "Hello?", durationMs: 300 }] } });
    const c = await client(sim);
    const uuid = await answeredCall(c);
    const answered = Date.now();
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    expect(sim.callerTranscript(uuid)[0]!.startedAt - answered).toBeGreaterThanOrEqual(390);
  });

  test("an inbound caller's turns (a scenario caller rule) run on answer, and their words reach the audio stream", async () => {
    const sim = await startSim({
      callers: [{ match: { prefix: "2000" }, turns: [{ afterBotMs: 200, say: "I need to reschedule my appointment.", durationMs: 1000 }] }],
    });
    const c = await client(sim);
    // The dialplan's socket app: the outbound-socket server connects and parks the call (async).
    const sockets: Socket[] = [];
    const app = createServer((s) => {
      sockets.push(s);
      s.write("connect\n\n");
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    esl.defer(() => new Promise<void>((r) => app.close(() => r())));
    esl.defer(() => sockets.forEach((s) => s.destroy()));
    const frames: Uint8Array[] = [];
    const media = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
      websocket: { message: (_ws, msg) => void (typeof msg !== "string" && frames.push(new Uint8Array(msg))) },
    });
    esl.defer(() => media.stop(true));

    const uuid = await sim.placeInboundCall({ from: "5551234", to: "2000", socket: { host: "127.0.0.1", port: (app.address() as { port: number }).port } });
    await event(c, "CHANNEL_PARK", (f) => value(f, "Unique-ID") === uuid);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${media.port}/m/${uuid} mono 16k`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_answer ${uuid}`)).toBe("+OK\n");
    execute(c, uuid, "speak", "flite|kal|Thanks for calling, how can I help?");
    await until("the caller's turn", () => sim.callerTranscript(uuid).length === 1, 10_000, 5);
    await Bun.sleep(1100);
    const decoded = frames.map((f) => decodeSpeechFrame(l16Samples(f), 16000)).filter((d) => d !== null);
    expect(decoded.length).toBe(50);
    const words = new UtteranceText(decoded[0]!.utteranceId, decoded[0]!.textLength);
    for (const d of decoded) words.add(d);
    expect(words.text).toBe("I need to reschedule my appointment.");
    expect(sim.callerTranscript(uuid)[0]).toMatchObject({ who: "caller", turn: 0 });
  });
});

describe("what the bot plays", () => {
  test("a file the runtime rendered (a shared directory in `files`) plays for as long as it lasts: .r24 and .wav", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-tts-"));
    esl.defer(() => rmSync(dir, { recursive: true, force: true }));
    // 0.75 s of 24 kHz s16le, as OpenAI TTS pcm is cached; 0.5 s of 16 kHz mono wav.
    writeFileSync(join(dir, "a.r24"), Buffer.alloc(36_000));
    writeFileSync(join(dir, "b.wav"), wav(16000, 8000));
    const sim = await startSim({ files: [`${dir}/`], defaultCallee: { ringMs: 0 } }, 0.1);
    const c = await client(sim);
    const uuid = await answeredCall(c);
    execute(c, uuid, "playback", join(dir, "a.r24"));
    let stop = await event(c, "PLAYBACK_STOP");
    expect(value(stop, "variable_playback_ms")).toBe("750");
    expect(value(stop, "variable_playback_samples")).toBe("18000");
    expect(value(stop, "variable_playback_last_offset_pos")).toBe("6000");
    execute(c, uuid, "playback", join(dir, "b.wav"));
    stop = await event(c, "PLAYBACK_STOP");
    expect(value(stop, "variable_playback_ms")).toBe("500");
    expect(value(stop, "variable_playback_samples")).toBe("8000");
    // Not on disk: not there, even under the shared directory.
    execute(c, uuid, "playback", join(dir, "missing.r24"));
    const missing = await event(c, "CHANNEL_EXECUTE_COMPLETE", (f) => value(f, "Application-Data")?.includes("missing") ?? false);
    expect(value(missing, "Application-Response")).toBe("FILE%20NOT%20FOUND");
    const [a, b] = sim.botSpeech(uuid);
    expect(a).toMatchObject({ kind: "playback", interrupted: false });
    expect(a!.durationMs).toBeGreaterThanOrEqual(74);
    expect(b!.durationMs).toBeGreaterThanOrEqual(49);
  });
});

/** A mono 16-bit PCM wav of `samples` silent samples. */
function wav(rate: number, samples: number): Buffer {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + data, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36);
  b.writeUInt32LE(data, 40);
  return b;
}

describe("the scenario format", () => {
  test("turns are strict: one trigger, one action, fields that go together", () => {
    const bad = (turn: unknown) => () => parseScenario({ defaultCaller: { turns: [turn] } });
    expect(bad({ say: "hi", dtmf: "1" })).toThrow(/one thing/);
    expect(bad({ afterBotMs: 1, atMs: 2, say: "hi" })).toThrow(/one way/);
    expect(bad({ dtmf: "1", durationMs: 5 })).toThrow(/durationMs goes with say or silent/);
    expect(bad({ say: "hi", mood: "grumpy" })).toThrow(/mood/);
    expect(bad({ botSays: "(", say: "hi" })).toThrow(/bad botSays regex/);
    expect(bad({ hangup: "NOT_A_CAUSE" })).toThrow(/hangup/);
  });

  test("defaults keep every existing scenario as it was", () => {
    const s = parseScenario({ callers: [{ match: { prefix: "1" }, speech: [{ atMs: 0, durationMs: 100, text: "x" }] }] });
    expect(s.callers[0]!.turns).toEqual([]);
    expect(s.defaultCallee.turns).toEqual([]);
    expect(s.timing.callerMsPerChar).toBe(60);
    expect(s.timing.callerReplyMs).toBe(600);
  });
});
