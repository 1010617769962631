/**
 * The Deepgram speech-to-text adapter over the SDK's real code path
 * (@deepgram/sdk 5: URL, query, Token header, frames, close handling) against
 * the simulated Deepgram — and against servers that misbehave: a wrong key, a
 * 503, an idle close (NET-0001), a failure mid-stream, a connection that stops
 * reading, a handshake that never completes, garbage messages.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { NET_0001_REASON, SimulatedDeepgram, type SimulatedDeepgramOptions } from "../../src/sim/deepgram/index.ts";
import { l16Bytes, silenceFrame, speechFrame, type Utterance, utteranceFrameCount } from "../../src/sim/speech-audio.ts";
import { DeepgramSpeechToText, type DeepgramSttConfig, type DeepgramSttStream } from "../../src/speech/stt/deepgram.ts";
import type { SttEvent, SttStreamOptions } from "../../src/speech/stt/types.ts";
import { until } from "../support/until.ts";

const RATE = 16000;
const KEY = "test-deepgram-key";
const FRAME_BYTES = 640;
const BOOKING: Utterance = { id: 1, text: "Hello, I'd like to book a cleaning.", durationMs: 1500 };
const TUESDAY: Utterance = { id: 2, text: "Next Tuesday at ten works for me.", durationMs: 1400 };
const YES: Utterance = { id: 3, text: "Yes, please.", durationMs: 600 };
/** Fast service latencies: what is asserted here is what is said and in which order, not how fast (that is bench/). */
const QUICK: SimulatedDeepgramOptions["latency"] = { finalMs: 20, interimMs: 0, eventMs: 0, finalizeMs: 5 };
const STREAM: SttStreamOptions = { sampleRate: RATE, model: "nova-3", language: "en-US", endpointingMs: 300, utteranceEndMs: 1000, callId: "call-stt-test" };

type Step = { silenceMs: number } | { say: Utterance };

function frames(script: Step[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const step of script) {
    if ("silenceMs" in step) for (let i = 0; i < step.silenceMs / 20; i++) out.push(l16Bytes(silenceFrame(RATE)));
    else for (let i = 0; i < utteranceFrameCount(step.say, RATE); i++) out.push(l16Bytes(speechFrame(step.say, i, RATE)));
  }
  return out;
}

function frames8k(silenceMs: number, say: Utterance | null): Uint8Array[] {
  if (!say) return Array.from({ length: silenceMs / 20 }, () => l16Bytes(silenceFrame(8000)));
  return Array.from({ length: utteranceFrameCount(say, 8000) }, (_, i) => l16Bytes(speechFrame(say, i, 8000)));
}

/** Sends a script's frames faster than real time (the recogniser's clock is the audio's), letting the socket drain now and then. */
async function speak(stream: DeepgramSttStream, script: Step[]): Promise<number> {
  let sent = 0;
  for (const frame of frames(script)) {
    expect(stream.sendAudio(frame)).toBe(true);
    if (++sent % 25 === 0) await Bun.sleep(1);
  }
  return sent;
}

class Recorder {
  readonly events: SttEvent[] = [];
  constructor(stream: DeepgramSttStream) {
    stream.onEvent((event) => this.events.push(event));
  }
  of<T extends SttEvent["type"]>(type: T): Extract<SttEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<SttEvent, { type: T }> => e.type === type);
  }
  get finals() {
    return this.of("stt.transcript").filter((e) => e.isFinal && e.text !== "");
  }
  async waitFor(count: number, type: SttEvent["type"], ms = 5000): Promise<void> {
    await until(() => `${count} × ${type} (have: ${this.events.map((e) => e.type).join(", ")})`, () => this.of(type).length >= count, ms, 5);
  }
}

const opened: DeepgramSttStream[] = [];
async function openStream(config: DeepgramSttConfig, options: Partial<SttStreamOptions> = {}): Promise<{ stream: DeepgramSttStream; rec: Recorder }> {
  const stream = await new DeepgramSpeechToText(config).open({ ...STREAM, ...options });
  opened.push(stream);
  return { stream, rec: new Recorder(stream) };
}

/** Streams are closed before the servers they talk to stop. */
async function closeStreams(): Promise<void> {
  await Promise.all(opened.splice(0).map((s) => s.close()));
}

describe("Deepgram adapter ↔ simulated Deepgram", () => {
  let sim: SimulatedDeepgram;
  const start = async (opts: SimulatedDeepgramOptions = {}) => {
    sim = new SimulatedDeepgram({ apiKey: KEY, latency: QUICK, ...opts });
    await sim.start();
  };
  beforeEach(() => start());
  afterEach(async () => {
    await closeStreams();
    await sim.stop();
  });

  test("two utterances: speech started, interims, finals with speech_final, utterance end — on the audio's clock", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    const sent = await speak(stream, [{ silenceMs: 500 }, { say: BOOKING }, { silenceMs: 1300 }, { say: TUESDAY }, { silenceMs: 1300 }]);
    await rec.waitFor(2, "stt.utterance_end");

    expect(rec.of("stt.speech_started").map((e) => e.audioSec)).toEqual([0.5, 3.3]);
    expect(rec.finals.map((e) => [e.text, e.isFinal, e.speechFinal, e.fromFinalize])).toEqual([
      ["hello i'd like to book a cleaning", true, true, false],
      ["next tuesday at ten works for me", true, true, false],
    ]);
    const [first, second] = rec.finals;
    expect(first!.words[0]!.startSec).toBe(0.5);
    expect(second!.words[0]!.startSec).toBe(3.3);
    expect(second!.startSec).toBeCloseTo(first!.startSec + first!.durationSec, 5); // finals tile the audio
    expect(rec.of("stt.utterance_end").map((e) => e.lastWordEndSec)).toEqual([first!.words.at(-1)!.endSec, second!.words.at(-1)!.endSec]);

    // Interims come first, word by word, each a beginning of the final.
    const interims = rec.of("stt.transcript").filter((e) => !e.isFinal && e.text !== "");
    expect(interims.length).toBeGreaterThanOrEqual(2);
    for (const interim of interims) expect(rec.finals.some((f) => f.text.startsWith(interim.text))).toBe(true);
    const index = (e: SttEvent) => rec.events.indexOf(e);
    expect(index(rec.of("stt.speech_started")[0]!)).toBeLessThan(index(interims[0]!));
    expect(index(interims[0]!)).toBeLessThan(index(first!));
    expect(index(first!)).toBeLessThan(index(rec.of("stt.utterance_end")[0]!));
    const times = rec.events.map((e) => e.receivedAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // Every frame went out once, unchanged in size, and the SDK asked for what the port promised.
    expect(stream.stats).toEqual({ framesSent: sent, framesShed: 0, bytesSent: sent * FRAME_BYTES });
    expect(sim.counters.audioBytes).toBe(sent * FRAME_BYTES);
    const [info] = sim.streams();
    expect(info!.authorization).toBe(`Token ${KEY}`);
    expect(info!.query).toEqual({
      model: "nova-3",
      language: "en-US",
      encoding: "linear16",
      sample_rate: "16000",
      channels: "1",
      interim_results: "true",
      endpointing: "300",
      utterance_end_ms: "1000",
      vad_events: "true",
    });

    await stream.close();
    expect(rec.events.at(-1)).toMatchObject({ type: "stt.closed", code: 1000 });
    expect(rec.of("stt.error")).toEqual([]);
  });

  test("audio sent while the connection opens is held, then transcribed", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    expect(stream.connection).toBe("connecting");
    // 0.8 s before the socket is open: under the 1 s the adapter holds.
    for (const frame of frames([{ silenceMs: 200 }, { say: YES }])) expect(stream.sendAudio(frame)).toBe(true);
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    await speak(stream, [{ silenceMs: 400 }]);
    await rec.waitFor(1, "stt.transcript");
    await until("the final", () => rec.finals.length === 1, 5_000, 5);
    expect(rec.finals[0]!.text).toBe("yes please");
    expect(stream.stats.framesShed).toBe(0);
  });

  test("8 kHz audio (mod_audio_stream `8k`) is heard the same", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url }, { sampleRate: 8000 });
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    const narrowband = [...frames8k(200, null), ...frames8k(0, TUESDAY), ...frames8k(400, null)];
    for (const frame of narrowband) expect(stream.sendAudio(frame)).toBe(true);
    await until("the final", () => rec.finals.length === 1, 5_000, 5);
    expect(rec.finals[0]).toMatchObject({ text: "next tuesday at ten works for me", speechFinal: true });
    expect(rec.finals[0]!.words[0]!.startSec).toBe(0.2);
    expect(sim.streams()[0]!.query.sample_rate).toBe("8000");
    expect(stream.stats.bytesSent).toBe(narrowband.length * 320);
  });

  test("Finalize flushes what was heard: a final from_finalize", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    const sent = await speak(stream, [{ silenceMs: 200 }, { say: BOOKING }]); // no silence after: endpointing cannot fire
    await until("the audio to arrive", () => sim.counters.audioBytes === sent * FRAME_BYTES, 5_000, 5);
    expect(rec.finals).toEqual([]);
    stream.finalize();
    await until("the from_finalize final", () => rec.finals.length === 1, 5_000, 5);
    expect(rec.finals[0]).toMatchObject({ text: "hello i'd like to book a cleaning", isFinal: true, speechFinal: false, fromFinalize: true });
    expect(sim.counters.finalizes).toBe(1);
  });

  test("close sends CloseStream: the last results, Metadata, then closed 1000", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    await speak(stream, [{ silenceMs: 100 }, { say: TUESDAY }]);
    await stream.close();
    expect(rec.finals.map((e) => e.text)).toEqual(["next tuesday at ten works for me"]);
    expect(rec.events.at(-1)).toMatchObject({ type: "stt.closed", code: 1000 });
    expect(rec.of("stt.error")).toEqual([]);
    expect(sim.counters.closeStreams).toBe(1);
    expect(sim.counters.sent.Metadata).toBe(1);
    expect(sim.streams()[0]!.closeCode).toBe(1000);
    expect(stream.sendAudio(l16Bytes(silenceFrame(RATE)))).toBe(false);
  });

  test("no audio, no transcript; KeepAlive holds an idle stream open", async () => {
    await sim.stop();
    await start({ idleTimeoutMs: 400 });
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url, keepAliveMs: 150 });
    await Bun.sleep(1200);
    expect(stream.connection).toBe("open");
    expect(rec.events).toEqual([]);
    expect(sim.counters.keepAlives).toBeGreaterThanOrEqual(5);
    expect(sim.counters.idleTimeouts).toBe(0);
    // Silence is audio, but it holds no words: only empty results.
    await speak(stream, [{ silenceMs: 2000 }]);
    await until("a result", () => rec.of("stt.transcript").length > 0, 5_000, 5);
    await stream.close();
    expect(rec.of("stt.transcript").every((e) => e.text === "" && e.words.length === 0)).toBe(true);
    expect(rec.of("stt.speech_started")).toEqual([]);
  });

  test("an idle stream is closed 1011 with NET-0001: stt.error, then stt.closed with the reason", async () => {
    await sim.stop();
    await start({ idleTimeoutMs: 300 });
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: sim.url, keepAliveMs: 60_000 });
    await rec.waitFor(1, "stt.closed");
    expect(rec.events.map((e) => e.type)).toEqual(["stt.error", "stt.closed"]);
    expect(rec.of("stt.closed")[0]).toMatchObject({ code: 1011, reason: NET_0001_REASON });
    expect(rec.of("stt.error")[0]!.message).toContain("1011");
    expect(rec.of("stt.error")[0]!.message).toContain(NET_0001_REASON);
    expect(stream.connection).toBe("closed");
    expect(stream.sendAudio(l16Bytes(silenceFrame(RATE)))).toBe(false);
    expect(stream.stats.framesShed).toBe(1);
  });

  test("the service failing mid-stream (1011) is reported, and nothing reconnects", async () => {
    sim.faults.closeAfter = { ms: 100, code: 1011, reason: "internal server error" };
    const { rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    await rec.waitFor(1, "stt.closed");
    expect(rec.events.map((e) => e.type)).toEqual(["stt.error", "stt.closed"]);
    expect(rec.of("stt.closed")[0]).toMatchObject({ code: 1011, reason: "internal server error" });
    await Bun.sleep(300);
    expect(sim.counters.connections).toBe(1);
  });

  test("a wrong key is refused (401): stt.error, stt.closed, no retry", async () => {
    const { stream, rec } = await openStream({ apiKey: "not-the-key", baseUrl: sim.url });
    await rec.waitFor(1, "stt.closed");
    expect(rec.events.map((e) => e.type)).toEqual(["stt.error", "stt.closed"]);
    expect(rec.of("stt.error")[0]!.message).toContain("401");
    expect(rec.of("stt.closed")[0]!.code).toBe(1006);
    await Bun.sleep(200);
    expect(sim.counters).toMatchObject({ unauthorised: 1, connections: 0 });
    expect(stream.sendAudio(l16Bytes(silenceFrame(RATE)))).toBe(false);
  });

  test("a refused handshake (503) is reported as stt.error", async () => {
    sim.faults.refuseStatus = 503;
    const { rec } = await openStream({ apiKey: KEY, baseUrl: sim.url });
    await rec.waitFor(1, "stt.closed");
    expect(rec.of("stt.error")[0]!.message).toContain("503");
    expect(sim.counters.refused).toBe(1);
  });
});

describe("Deepgram adapter against servers that misbehave", () => {
  const servers: NetServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    await closeStreams();
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** A TCP server that answers the WebSocket handshake (or not) and then never reads again. */
  async function stalledServer(answerHandshake: boolean): Promise<string> {
    const server = createServer((socket) => {
      sockets.push(socket);
      let head = "";
      socket.on("data", (data) => {
        head += data.toString("latin1");
        if (!answerHandshake || !head.includes("\r\n\r\n")) return;
        const key = /sec-websocket-key: *(.+)\r\n/i.exec(head)![1]!.trim();
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.removeAllListeners("data");
        socket.pause(); // the recogniser stops reading: the client's socket fills up
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  test("a connection that stops reading sheds frames, counted, and its queue stays bounded", async () => {
    const maxBufferedBytes = 64 * 1024;
    const { stream } = await openStream({ apiKey: KEY, baseUrl: await stalledServer(true), maxBufferedBytes, closeTimeoutMs: 100 });
    await until("the stream to open", () => stream.connection === "open", 5_000, 5);
    const frame = l16Bytes(speechFrame(BOOKING, 0, RATE));
    let refused = 0;
    // The kernel's socket buffers take a few MB first; then the client's own queue grows to the threshold and stops.
    for (let burst = 0; burst < 400 && stream.stats.framesShed < 200; burst++) {
      for (let i = 0; i < 250; i++) if (!stream.sendAudio(frame)) refused++;
      expect(stream.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes + FRAME_BYTES);
      await Bun.sleep(1);
    }
    expect(stream.stats.framesShed).toBeGreaterThanOrEqual(200);
    expect(refused).toBe(stream.stats.framesShed);
    expect(stream.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes + FRAME_BYTES);
    expect(stream.stats.bytesSent).toBe(stream.stats.framesSent * FRAME_BYTES);
  });

  test("while the handshake hangs, at most a second of audio is held; the rest is shed", async () => {
    const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: await stalledServer(false) });
    const accepted = frames([{ silenceMs: 3000 }]).map((f) => stream.sendAudio(f));
    expect(accepted.filter(Boolean).length).toBe(50);
    expect(stream.stats).toEqual({ framesSent: 0, framesShed: 100, bytesSent: 0 });
    expect(stream.bufferedBytes).toBe(RATE * 2);
    await stream.close();
    expect(rec.events.map((e) => e.type)).toEqual(["stt.closed"]);
  });

  test("a handshake that never completes times out: stt.error, stt.closed", async () => {
    const { rec } = await openStream({ apiKey: KEY, baseUrl: await stalledServer(false), connectTimeoutMs: 200 });
    await rec.waitFor(1, "stt.closed");
    expect(rec.events.map((e) => e.type)).toEqual(["stt.error", "stt.closed"]);
    expect(rec.of("stt.error")[0]!.message).toContain("TIMEOUT");
  });

  test("garbage from the server is logged and skipped, never a crash", async () => {
    const garbage = [
      "garbage{",
      '{"type":"Results"}',
      '{"type":"Wat","x":1}',
      "null",
      '{"type":"SpeechStarted","channel":[0,1],"timestamp":"soon"}',
      new Uint8Array([1, 2, 3]),
      '{"type":"SpeechStarted","channel":[0,1],"timestamp":1.5}',
      JSON.stringify({
        type: "Results",
        channel_index: [0, 1],
        duration: 1,
        start: 1,
        is_final: true,
        speech_final: true,
        channel: { alternatives: [{ transcript: "hi there", confidence: 0.9, words: [{ word: "hi", start: 1.5, end: 1.7, confidence: 0.9, punctuated_word: "Hi" }] }] },
        metadata: { request_id: "r", model_info: { name: "general-nova-3", version: "v", arch: "nova-3" }, model_uuid: "u" },
        from_finalize: false,
      }),
    ];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
      websocket: {
        open(ws) {
          for (const message of garbage) ws.send(message);
        },
        message() {},
      },
    });
    try {
      const { stream, rec } = await openStream({ apiKey: KEY, baseUrl: `ws://127.0.0.1:${server.port}`, closeTimeoutMs: 100 });
      await rec.waitFor(1, "stt.transcript");
      expect(rec.events.map((e) => e.type)).toEqual(["stt.speech_started", "stt.transcript"]);
      expect(rec.of("stt.speech_started")[0]!.audioSec).toBe(1.5);
      expect(rec.of("stt.transcript")[0]).toMatchObject({ text: "hi there", isFinal: true, speechFinal: true, words: [{ word: "Hi", startSec: 1.5, endSec: 1.7 }] });
      expect(stream.messagesSkipped).toBe(6);
      expect(stream.connection).toBe("open");
    } finally {
      await closeStreams();
      await server.stop(true);
    }
  });
});
