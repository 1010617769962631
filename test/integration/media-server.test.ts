/**
 * The caller-audio WebSocket server, driven as mod_audio_stream drives it:
 * a client that opens ws://…/audio/<callId>?token=…, sends the metadata text
 * frame, then 640-byte L16 frames (20 ms at 16 kHz), and closes. One test
 * speaks libwsc's exact bytes over raw TCP (upgrade without spaces after the
 * colons, masked frames, PING `ping`, CLOSE 1000 "Normal closure"), as
 * recorded in ../shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_ws.transcript.txt.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { MediaServer, totalRefused, type AudioSink, type MediaServerOptions, type MediaStreamEvent } from "../../src/media/index.ts";
import { until } from "../support/until.ts";

const FRAME_BYTES = 640;

let servers: MediaServer[] = [];
let clients: WebSocket[] = [];

afterEach(async () => {
  for (const ws of clients) if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
  clients = [];
  for (const s of servers) await s.stop();
  servers = [];
});

async function startServer(options: MediaServerOptions = {}): Promise<MediaServer> {
  const server = new MediaServer({ port: 0, ...options });
  await server.start();
  servers.push(server);
  return server;
}

/** A 20 ms frame that says which stream and which frame it is, then a pattern. */
function frame(stream: number, n: number, bytes = FRAME_BYTES): Uint8Array {
  const f = new Uint8Array(bytes);
  const view = new DataView(f.buffer);
  if (bytes >= 8) {
    view.setUint32(0, stream, true);
    view.setUint32(4, n, true);
  }
  for (let i = 8; i < bytes; i++) f[i] = (n * 7 + i) & 0xff;
  return f;
}

class RecordingSink implements AudioSink {
  frames: Uint8Array[] = [];
  constructor(private readonly accept: (n: number) => boolean = () => true) {}
  sendAudio(f: Uint8Array): boolean {
    const taken = this.accept(this.frames.length);
    if (taken) this.frames.push(f);
    return taken;
  }
}

function recorder() {
  const events: MediaStreamEvent[] = [];
  return { events, onEvent: (e: MediaStreamEvent) => void events.push(e), of: (t: MediaStreamEvent["type"]) => events.filter((e) => e.type === t) };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  clients.push(ws);
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("upgrade refused"));
  });
  return ws;
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve({ code: 1006, reason: "" });
    ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }));
  });
}

// ---- libwsc over raw TCP -------------------------------------------------------------

interface RawConnection {
  socket: Socket<undefined>;
  received: () => Buffer;
  closed: () => boolean;
}

async function rawConnect(port: number): Promise<RawConnection> {
  let buffer = Buffer.alloc(0);
  let isClosed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        buffer = Buffer.concat([buffer, chunk]);
      },
      close() {
        isClosed = true;
      },
      error() {
        isClosed = true;
      },
    },
  });
  return { socket, received: () => buffer, closed: () => isClosed };
}

/** libwsc 09d18e5 sendHandshakeRequest, byte for byte as in the capture. */
function libwscUpgrade(port: number, target: string): string {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  return (
    `GET ${target} HTTP/1.1\r\nHost:127.0.0.1:${port}\r\nUpgrade:websocket\r\nConnection:upgrade\r\n` +
    `Sec-WebSocket-Key:${key}\r\nSec-WebSocket-Version:13\r\nOrigin:http://127.0.0.1:${port}\r\n\r\n`
  );
}

/** A client frame: FIN, opcode, MASK with a fresh key (as every frame in the capture). */
function maskedFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const len = payload.length;
  const header = len < 126 ? [0x80 | opcode, 0x80 | len] : [0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff];
  const out = new Uint8Array(header.length + 4 + len);
  out.set(header, 0);
  out.set(mask, header.length);
  for (let i = 0; i < len; i++) out[header.length + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

async function rawStatus(port: number, target: string, request?: string): Promise<string> {
  const conn = await rawConnect(port);
  conn.socket.write(request ?? libwscUpgrade(port, target));
  await until("an HTTP answer", () => conn.received().includes("\r\n\r\n") || conn.closed(), 3000, 5);
  conn.socket.end();
  return conn.received().toString("latin1").split("\r\n")[0] ?? "";
}

// ---- tests ---------------------------------------------------------------------------

describe("a stream with the right token", () => {
  test("connected with its metadata; frames reach the sink unchanged, in order, without a copy; closed with stats", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const rec = recorder();
    const grant = server.expect({ callId: "call-1", sampleRate: 16000, sink, onEvent: rec.onEvent });
    expect(grant.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${server.port}/audio/call-1\\?token=[A-Za-z0-9_-]{32}$`));

    const ws = await open(grant.url);
    ws.send(JSON.stringify({ call: "call-1", purpose: "stt" }));
    const sent = Array.from({ length: 50 }, (_, n) => frame(1, n));
    for (const f of sent) ws.send(f);
    await until("50 frames", () => sink.frames.length === 50, 5000, 5);

    const connected = rec.of("media.stream_connected")[0];
    expect(connected).toMatchObject({ type: "media.stream_connected", callId: "call-1" });
    if (connected?.type === "media.stream_connected") {
      expect(connected.metadata?.text).toBe(`{"call":"call-1","purpose":"stt"}`);
      expect(connected.metadata?.json).toEqual({ call: "call-1", purpose: "stt" });
    }
    sink.frames.forEach((f, n) => expect(Buffer.from(f).equals(Buffer.from(sent[n]!))).toBe(true));
    // Each frame is its own message's memory: keeping it is safe, and it was not re-copied per frame into one buffer.
    expect(new Set(sink.frames.map((f) => f.buffer)).size).toBe(50);
    expect(sink.frames.every((f) => f.byteOffset === 0 && f.byteLength === FRAME_BYTES && f.buffer.byteLength === FRAME_BYTES)).toBe(true);

    const stats = server.streamStats("call-1");
    expect(stats).toMatchObject({ framesIn: 50, bytesIn: 50 * FRAME_BYTES, framesDelivered: 50, framesShed: 0 });
    expect(stats?.audioSecReceived).toBeCloseTo(1.0, 9);

    ws.close(1000, "Normal closure");
    await until("closed event", () => rec.of("media.stream_closed").length === 1, 3000, 5);
    const closedEvent = rec.of("media.stream_closed")[0];
    expect(closedEvent).toMatchObject({ code: 1000, reason: "Normal closure", stats: { framesDelivered: 50 } });
    expect(server.liveStreams).toBe(0);
    expect(server.counters).toMatchObject({ streamsAccepted: 1, streamsClosed: 1, framesIn: 50, framesDelivered: 50 });
    expect(totalRefused(server.counters)).toBe(0);
  });

  test("the audio clock maps recogniser seconds to when the audio arrived", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const arrivals: number[] = [];
    const timing: AudioSink = {
      sendAudio: (f) => {
        arrivals.push(performance.now());
        return sink.sendAudio(f);
      },
    };
    const grant = server.expect({ callId: "clocked", sampleRate: 16000, sink: timing, onEvent: () => {} });
    const ws = await open(grant.url);
    for (let n = 0; n < 25; n++) {
      ws.send(frame(1, n));
      await Bun.sleep(20);
    }
    await until("25 frames", () => sink.frames.length === 25, 5_000, 5);
    // The end of frame k is audio (k+1)·20 ms; it arrived when the sink saw frame k.
    for (const k of [0, 9, 24]) {
      const at = server.monotonicAt("clocked", (k + 1) * 0.02)!;
      expect(Math.abs(at - arrivals[k]!)).toBeLessThan(5);
    }
    // Mid-frame: 10 ms of that frame's audio were still to come when its end arrived.
    expect(server.monotonicAt("clocked", 0.19)!).toBeCloseTo(server.monotonicAt("clocked", 0.2)! - 10, 6);
    expect(server.monotonicAt("clocked", 0.51)).toBeUndefined();
    expect(server.monotonicAt("no-such-call", 0.1)).toBeUndefined();
  });

  test("plain-text metadata stays text; a start without metadata connects on the first audio frame", async () => {
    const server = await startServer();
    const a = recorder();
    const b = recorder();
    const ga = server.expect({ callId: "plain", sampleRate: 8000, sink: new RecordingSink(), onEvent: a.onEvent });
    const gb = server.expect({ callId: "bare", sampleRate: 8000, sink: new RecordingSink(), onEvent: b.onEvent });
    const wa = await open(ga.url);
    wa.send("hello world, not json");
    const wb = await open(gb.url);
    wb.send(frame(2, 0, 320));
    await until("one event on each stream", () => a.events.length === 1 && b.events.length === 1, 5_000, 5);
    expect(a.events[0]).toMatchObject({ type: "media.stream_connected", metadata: { text: "hello world, not json", json: undefined } });
    expect(b.events[0]).toMatchObject({ type: "media.stream_connected", metadata: null });
    expect(server.streamStats("bare")?.framesDelivered).toBe(1);
  });

  test("audio flushed before the metadata (libwsc queues frames during a slow upgrade): still connected with the metadata", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const rec = recorder();
    const grant = server.expect({ callId: "queued", sampleRate: 16000, sink, onEvent: rec.onEvent });
    const ws = await open(grant.url);
    for (let n = 0; n < 3; n++) ws.send(frame(1, n));
    ws.send(`{"call":"queued"}`);
    ws.send(frame(1, 3));
    await until("4 frames and one event", () => sink.frames.length === 4 && rec.events.length === 1, 5_000, 5);
    expect(rec.events[0]).toMatchObject({ type: "media.stream_connected", metadata: { json: { call: "queued" } } });
    expect(server.counters.textFramesUnexpected).toBe(0);
  });

  test("libwsc's exact handshake and frames: 101, masked 640-byte frames, PING answered, CLOSE echoed", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const rec = recorder();
    const grant = server.expect({ callId: "8821dbcb-3c76-4aef-8fe2-942603780a5b", sampleRate: 16000, sink, onEvent: rec.onEvent });
    const target = grant.url.slice(grant.url.indexOf("/audio/"));
    const conn = await rawConnect(server.port);
    conn.socket.write(libwscUpgrade(server.port, target));
    await until("101", () => conn.received().includes("\r\n\r\n"), 3000, 5);
    const head = conn.received().toString("latin1");
    // libwsc WebSocketContext::handleRead: "HTTP/1.1 101" and a Sec-WebSocket-Accept header (case-insensitive), else ::error 6.
    expect(head.startsWith("HTTP/1.1 101")).toBe(true);
    expect(head.toLowerCase()).toContain("sec-websocket-accept:");
    expect(head.toLowerCase()).not.toContain("sec-websocket-extensions");
    const afterHandshake = conn.received().length;

    const metadata = `{"call":"8821dbcb-3c76-4aef-8fe2-942603780a5b","token":"abc"}`;
    conn.socket.write(maskedFrame(0x1, new TextEncoder().encode(metadata)));
    const sent = Array.from({ length: 20 }, (_, n) => frame(9, n));
    for (const f of sent) conn.socket.write(maskedFrame(0x2, f));
    await until("20 frames", () => sink.frames.length === 20, 3000, 5);
    sink.frames.forEach((f, n) => expect(Buffer.from(f).equals(Buffer.from(sent[n]!))).toBe(true));
    expect(rec.events[0]).toMatchObject({ type: "media.stream_connected", metadata: { text: metadata } });

    // PING "ping" → PONG "ping" (8a 04 70 69 6e 67).
    conn.socket.write(maskedFrame(0x9, new TextEncoder().encode("ping")));
    await until("PONG", () => conn.received().subarray(afterHandshake).includes(Buffer.from([0x8a, 0x04, 0x70, 0x69, 0x6e, 0x67])), 3000, 5);

    // CLOSE 1000 "Normal closure" → echoed, then the stream is closed on our side.
    const close = new Uint8Array([0x03, 0xe8, ...new TextEncoder().encode("Normal closure")]);
    conn.socket.write(maskedFrame(0x8, close));
    await until("closed", () => rec.of("media.stream_closed").length === 1, 3000, 5);
    expect(rec.of("media.stream_closed")[0]).toMatchObject({ code: 1000, reason: "Normal closure" });
    await until("CLOSE echo", () => conn.received().subarray(afterHandshake).includes(Buffer.from([0x88])), 3000, 5);
    conn.socket.end();
  });
});

describe("streams that must not be admitted", () => {
  test("wrong token, unknown call, missing token, reused token, bad path, plain HTTP: refused, counted, nothing reaches a sink", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const rec = recorder();
    const grant = server.expect({ callId: "call-9", sampleRate: 16000, sink, onEvent: rec.onEvent });
    const token = new URL(grant.url).searchParams.get("token")!;
    const port = server.port;

    expect(await rawStatus(port, `/audio/call-9?token=${token.slice(0, -1)}x`)).toBe("HTTP/1.1 401 Unauthorized");
    expect(await rawStatus(port, `/audio/call-9`)).toBe("HTTP/1.1 401 Unauthorized");
    expect(await rawStatus(port, `/audio/other-call?token=${token}`)).toBe("HTTP/1.1 404 Not Found");
    expect(await rawStatus(port, `/stream/call-9?token=${token}`)).toBe("HTTP/1.1 404 Not Found");
    expect(await rawStatus(port, "", `GET /audio/call-9?token=${token} HTTP/1.1\r\nHost: x\r\n\r\n`)).toBe("HTTP/1.1 426 Upgrade Required");
    // None of those spent the token.
    const ws = await open(grant.url);
    ws.send("{}");
    ws.send(frame(1, 0));
    await until("the frame", () => sink.frames.length === 1, 5_000, 5);
    // A second connection with the same token: the switch never does that, a replay does.
    expect(await rawStatus(port, `/audio/call-9?token=${token}`)).toBe("HTTP/1.1 401 Unauthorized");
    // Also through Bun's client: the upgrade fails.
    await expect(open(grant.url)).rejects.toThrow();

    expect(server.counters.streamsRefused).toMatchObject({
      wrong_token: 1,
      missing_token: 1,
      unknown_call: 1,
      bad_path: 1,
      not_websocket: 1,
      reused_token: 2,
    });
    expect(server.counters.streamsAccepted).toBe(1);
    expect(sink.frames).toHaveLength(1);
    expect(rec.of("media.stream_connected")).toHaveLength(1);
  });

  test("an expired token is refused and the call hears that its stream never came", async () => {
    const server = await startServer({ tokenTtlMs: 100, housekeepingMs: 20 });
    const sink = new RecordingSink();
    const late = recorder();
    const never = recorder();
    const grant = server.expect({ callId: "late-call", sampleRate: 16000, sink, onEvent: late.onEvent });
    server.expect({ callId: "never-call", sampleRate: 16000, sink, onEvent: never.onEvent });
    await Bun.sleep(150);
    await until("expiry by sweep", () => never.of("media.stream_expired").length === 1, 2000, 5);
    const target = grant.url.slice(grant.url.indexOf("/audio/"));
    expect(await rawStatus(server.port, target)).toBe("HTTP/1.1 401 Unauthorized");
    expect(server.counters.streamsRefused.expired_token).toBe(1);
    expect(late.of("media.stream_expired")).toHaveLength(1);
    expect(server.counters.streamsExpired).toBe(2);
    expect(sink.frames).toHaveLength(0);
  });

  test("a released call's token is refused as an unknown call; a replaced token as stale", async () => {
    const server = await startServer();
    const released = server.expect({ callId: "gone", sampleRate: 16000, onEvent: () => {} });
    server.release("gone");
    expect(await rawStatus(server.port, released.url.slice(released.url.indexOf("/audio/")))).toBe("HTTP/1.1 404 Not Found");
    const old = server.expect({ callId: "again", sampleRate: 16000, onEvent: () => {} });
    server.expect({ callId: "again", sampleRate: 16000, onEvent: () => {} });
    expect(await rawStatus(server.port, old.url.slice(old.url.indexOf("/audio/")))).toBe("HTTP/1.1 401 Unauthorized");
    expect(server.counters.streamsRefused).toMatchObject({ unknown_call: 1, stale_token: 1 });
  });
});

describe("what the switch should not send", () => {
  test("odd-sized frames and text frames after the metadata are counted and skipped; the stream and server live on", async () => {
    const server = await startServer();
    const sink = new RecordingSink();
    const rec = recorder();
    const grant = server.expect({ callId: "noisy", sampleRate: 16000, sink, onEvent: rec.onEvent });
    const ws = await open(grant.url);
    ws.send("{}");
    ws.send(frame(1, 0));
    ws.send(frame(1, 1, 641)); // odd: trailing byte dropped
    ws.send(new Uint8Array(1)); // odd and nothing left
    ws.send(new Uint8Array(0)); // empty
    ws.send("garbage \u0000 text");
    ws.send("{not json either");
    ws.send(frame(1, 2, 1280)); // 40 ms (STREAM_BUFFER_SIZE=40): fine
    ws.send(frame(1, 3));
    await until("4 frames", () => sink.frames.length === 4, 3000, 5);
    expect(sink.frames.map((f) => f.byteLength)).toEqual([640, 640, 1280, 640]);
    expect(Buffer.from(sink.frames[1]!).equals(Buffer.from(frame(1, 1, 641).subarray(0, 640)))).toBe(true);
    expect(server.counters).toMatchObject({ framesOddSized: 2, framesEmpty: 2, textFramesUnexpected: 2, framesIn: 6 });
    expect(server.streamStats("noisy")).toMatchObject({ framesOddSized: 2, textFramesUnexpected: 2, framesDelivered: 4 });
    expect(rec.of("media.stream_connected")).toHaveLength(1);

    // A message beyond the size limit closes that stream (1009), not the server.
    ws.send(new Uint8Array(70_000));
    expect((await closed(ws)).code).toBe(1009);
    const next = server.expect({ callId: "after", sampleRate: 16000, sink: new RecordingSink(), onEvent: () => {} });
    const ws2 = await open(next.url);
    ws2.send(frame(2, 0));
    await until("the frame delivered after the bind", () => server.streamStats("after")?.framesDelivered === 1, 5_000, 5);
  });

  test("an event handler or sink that throws does not take the stream down", async () => {
    const server = await startServer();
    let calls = 0;
    const grant = server.expect({
      callId: "throws",
      sampleRate: 16000,
      sink: {
        sendAudio: () => {
          calls++;
          if (calls === 1) throw new Error("sink bug");
          return true;
        },
      },
      onEvent: () => {
        throw new Error("handler bug");
      },
    });
    const ws = await open(grant.url);
    ws.send("{}");
    for (let n = 0; n < 3; n++) ws.send(frame(1, n));
    await until("3 frames in", () => server.streamStats("throws")?.framesIn === 3, 5_000, 5);
    expect(server.streamStats("throws")).toMatchObject({ framesShed: 1, framesDelivered: 2 });
  });
});

describe("backpressure", () => {
  test("a sink that sheds: frames counted as shed, nothing queued, memory flat", async () => {
    const server = await startServer();
    // Takes one frame in ten, like a recogniser connection that cannot keep up; keeps none.
    let offered = 0;
    const shedding: AudioSink = { sendAudio: () => ++offered % 10 === 1 };
    const grant = server.expect({ callId: "slow-stt", sampleRate: 16000, sink: shedding, onEvent: () => {} });
    const ws = await open(grant.url);
    const f = frame(1, 0);
    const total = 20_000; // 12.8 MB of audio, far faster than real time
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < total; n++) ws.send(f);
    await until("all frames in", () => server.streamStats("slow-stt")?.framesIn === total, 20_000, 5);
    Bun.gc(true);
    const grown = process.memoryUsage().heapUsed - before;
    const stats = server.streamStats("slow-stt")!;
    expect(stats.framesDelivered + stats.framesShed).toBe(total);
    expect(stats.framesShed).toBe(total - total / 10);
    expect(server.counters.framesShed).toBe(total - total / 10);
    // Shed frames are garbage at once: the heap does not hold the 11.5 MB that was shed.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });

  test("no sink yet: frames counted as unbound; bound later they flow and the clock starts at the binding", async () => {
    const server = await startServer();
    const grant = server.expect({ callId: "unbound", sampleRate: 16000, onEvent: () => {} });
    const ws = await open(grant.url);
    for (let n = 0; n < 5; n++) ws.send(frame(1, n));
    await until("5 frames in", () => server.streamStats("unbound")?.framesIn === 5, 5_000, 5);
    expect(server.streamStats("unbound")).toMatchObject({ framesUnbound: 5, framesDelivered: 0 });
    const sink = new RecordingSink();
    expect(server.bind("unbound", sink)).toBe(true);
    for (let n = 5; n < 10; n++) ws.send(frame(1, n));
    await until("5 frames delivered", () => sink.frames.length === 5, 5_000, 5);
    expect(new DataView(sink.frames[0]!.buffer).getUint32(4, true)).toBe(5);
    expect(server.monotonicAt("unbound", 0.1)).toBeDefined();
    expect(server.monotonicAt("unbound", 0.12)).toBeUndefined();
    expect(server.bind("no-such-call", sink)).toBe(false);
  });
});

describe("many calls", () => {
  test("200 concurrent streams at 50 frames/s for 2 s: every frame to its own call's sink, in order", async () => {
    const server = await startServer({ idleMs: 0 });
    const calls = 200;
    const framesEach = 100;
    const sinks = Array.from({ length: calls }, () => new RecordingSink());
    const events = recorder();
    const sockets = await Promise.all(
      sinks.map(async (sink, i) => {
        const grant = server.expect({ callId: `load-${i}`, sampleRate: 16000, sink, onEvent: events.onEvent });
        const ws = await open(grant.url);
        ws.send(JSON.stringify({ call: `load-${i}` }));
        return ws;
      }),
    );
    expect(server.liveStreams).toBe(calls);
    // One pacing timer for all callers, 20 ms a tick.
    for (let n = 0; n < framesEach; n++) {
      for (let i = 0; i < calls; i++) sockets[i]!.send(frame(i, n));
      await Bun.sleep(20);
    }
    await until("all frames", () => server.counters.framesIn === calls * framesEach, 20_000, 5);
    for (let i = 0; i < calls; i++) {
      const got = sinks[i]!.frames;
      expect(got).toHaveLength(framesEach);
      for (let n = 0; n < framesEach; n++) {
        const view = new DataView(got[n]!.buffer, got[n]!.byteOffset);
        if (view.getUint32(0, true) !== i || view.getUint32(4, true) !== n) throw new Error(`call ${i} frame ${n} is wrong`);
      }
    }
    expect(server.counters).toMatchObject({ streamsAccepted: calls, framesShed: 0, framesDelivered: calls * framesEach });
    expect(events.of("media.stream_connected")).toHaveLength(calls);
  }, 60_000);
});

describe("lifecycle", () => {
  test("a stream silent for idleMs is reported idle once, again only after audio resumed and stopped", async () => {
    const server = await startServer({ idleMs: 150, housekeepingMs: 20 });
    const rec = recorder();
    const grant = server.expect({ callId: "paused", sampleRate: 16000, sink: new RecordingSink(), onEvent: rec.onEvent });
    const ws = await open(grant.url);
    ws.send("{}");
    ws.send(frame(1, 0));
    await until("idle", () => rec.of("media.stream_idle").length === 1, 2000, 5);
    await Bun.sleep(300);
    expect(rec.of("media.stream_idle")).toHaveLength(1);
    ws.send(frame(1, 1));
    await until("idle again", () => rec.of("media.stream_idle").length === 2, 2000, 5);
    const idle = rec.of("media.stream_idle")[0];
    expect(idle?.type === "media.stream_idle" && idle.silentForMs).toBeGreaterThanOrEqual(150);
  });

  test("release closes a live stream with 1000; a newer stream for the same call replaces the older", async () => {
    const server = await startServer();
    const rec = recorder();
    const first = server.expect({ callId: "twice", sampleRate: 16000, sink: new RecordingSink(), onEvent: rec.onEvent });
    const ws1 = await open(first.url);
    const second = server.expect({ callId: "twice", sampleRate: 16000, sink: new RecordingSink(), onEvent: rec.onEvent });
    const ws1Closed = closed(ws1);
    const ws2 = await open(second.url);
    expect(await ws1Closed).toEqual({ code: 1000, reason: "replaced by a newer stream" });
    ws2.send(frame(1, 0));
    await until("the one frame in", () => server.streamStats("twice")?.framesIn === 1, 5_000, 5);
    const ws2Closed = closed(ws2);
    server.release("twice");
    expect(await ws2Closed).toEqual({ code: 1000, reason: "call ended" });
    expect(server.liveStreams).toBe(0);
  });

  test("shutdown closes every stream with 1001 and stops listening", async () => {
    const server = await startServer();
    const rec = recorder();
    const sockets = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const grant = server.expect({ callId: `bye-${i}`, sampleRate: 16000, sink: new RecordingSink(), onEvent: rec.onEvent });
        const ws = await open(grant.url);
        ws.send(frame(i, 0));
        return ws;
      }),
    );
    const pending = server.expect({ callId: "bye-pending", sampleRate: 16000, onEvent: rec.onEvent });
    const closes = sockets.map(closed);
    const port = server.port;
    await server.stop();
    servers = servers.filter((s) => s !== server);
    for (const c of await Promise.all(closes)) expect(c.code).toBe(1001);
    expect(rec.of("media.stream_closed").map((e) => e.type === "media.stream_closed" && e.code)).toEqual([1001, 1001, 1001]);
    expect(server.liveStreams).toBe(0);
    await expect(open(pending.url)).rejects.toThrow();
    await expect(Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })).rejects.toThrow();
    expect(() => server.expect({ callId: "x", sampleRate: 16000, onEvent: () => {} })).toThrow();
  });
});
