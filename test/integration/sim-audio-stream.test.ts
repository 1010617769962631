/**
 * mod_audio_stream on the switch simulator, against the real module's
 * captures (shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_esl.transcript.txt
 * and mod_audio_stream_ws.transcript.txt; amigniter/mod_audio_stream ec2a781,
 * libwsc v1.1.0, FreeSWITCH 1.10.12): the api replies and CUSTOM events over
 * raw ESL bytes, the WebSocket bytes on a raw TCP server, and the stream's
 * pacing and words on a Bun.serve WebSocket server.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { parseModulesConf, SHIPPED_MODULES_CONF, SwitchSimulator } from "../../src/sim/index.ts";
import { header, parsePlainEvent, RawEslClient, type RawFrame } from "../../src/sim/raw-esl-client.ts";
import { decodeSpeechFrame, l16Samples, UtteranceText } from "../../src/sim/speech-audio.ts";
import { api as eslApi, eventValue as value, rawEslHarness } from "../support/raw-esl.ts";
import { until } from "../support/until.ts";

const SHIPPED = parseModulesConf(readFileSync(SHIPPED_MODULES_CONF, "utf8"));
const WITH_STREAM = [...new Set([...SHIPPED, "mod_audio_stream"])];
/** A switch that never loaded the third-party module. */
const WITHOUT_STREAM = SHIPPED.filter((m) => m !== "mod_audio_stream");
const USAGE =
  "-USAGE: <uuid> [start | stop | send_text | pause | resume | graceful-shutdown ] [wss-url | path] [mono | mixed | stereo] [8000 | 16000] [metadata]\n";

const esl = rawEslHarness({ timeScale: 0.01, heartbeatIntervalMs: 0, hostname: "vm", modules: WITH_STREAM });
const startSim = esl.startSim;

/** Authenticated, subscribed as the capture's script did: CUSTOM subclasses, then the CHANNEL_* names in a second command. */
async function client(sim: SwitchSimulator, subscribe = true): Promise<RawEslClient> {
  const c = await esl.client(sim);
  if (subscribe) {
    c.send(
      "event plain CUSTOM mod_audio_stream::connect mod_audio_stream::disconnect mod_audio_stream::error mod_audio_stream::json mod_audio_stream::play\n\n",
    );
    expect((await c.next()).raw).toBe("Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n");
    c.send("event plain CHANNEL_ANSWER CHANNEL_PROGRESS_MEDIA CHANNEL_HANGUP_COMPLETE PLAYBACK_STOP CHANNEL_EXECUTE_COMPLETE\n\n");
    await c.next();
  }
  return c;
}

const api = (c: RawEslClient, command: string) => eslApi(c, command, 10_000);

/** The next mod_audio_stream event (any subclass, or this one). */
function streamEvent(c: RawEslClient, subclass?: string, timeoutMs = 5000): Promise<RawFrame> {
  return c.waitFor((f) => {
    if (header(f, "Content-Type") !== "text/event-plain") return false;
    const sc = value(f, "Event-Subclass");
    return sc !== undefined && (subclass === undefined || decodeURIComponent(sc) === subclass);
  }, timeoutMs);
}

function eventBody(frame: RawFrame): string {
  return parsePlainEvent(frame.body).body;
}

let n = 0;
async function parkedCall(c: RawEslClient): Promise<string> {
  const uuid = `a5000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
  expect(await api(c, `originate {origination_uuid=${uuid}}sofia/gateway/carrier/15551230000 &park`)).toBe(`+OK ${uuid}\n`);
  // The originate answers once the leg is up; its &park runs just after (on a loaded machine, a
  // little after): wait until the channel is in park, as the capture's call was.
  for (let i = 0; i < 200 && (await api(c, `uuid_getvar ${uuid} current_application`)) !== "park"; i++) await Bun.sleep(10);
  return uuid;
}

// ------------------------------------------------------------------ a raw WebSocket server, like the capture's

interface WireFrame {
  t: number;
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The header bytes on the wire (first two, extended length, mask key). */
  head: Buffer;
  payload: Buffer;
}

interface RawConnection {
  path: string;
  request: string;
  frames: WireFrame[];
  socket: Socket;
  closed: Promise<void>;
  sendText(text: string): void;
  sendClose(code: number, reason: string): void;
}

/**
 * A stdlib-level WebSocket server: answers the upgrade with a minimal 101 (or
 * not at all for /silent/, 404 for /reject/), records every frame with its
 * header bytes, answers PING with PONG and echoes CLOSE then closes TCP.
 */
async function rawWsServer(): Promise<{ port: number; next(): Promise<RawConnection>; connections: RawConnection[] }> {
  const connections: RawConnection[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<(c: RawConnection) => void> = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let conn: RawConnection | undefined;
    let closeResolve: () => void = () => undefined;
    const closed = new Promise<void>((r) => (closeResolve = r));
    socket.on("close", () => closeResolve());
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const request = buf.subarray(0, end + 4).toString("latin1");
        buf = buf.subarray(end + 4);
        const path = request.split(" ")[1]!;
        conn = {
          path,
          request,
          frames: [],
          socket,
          closed,
          sendText: (text) => socket.write(serverFrame(0x1, Buffer.from(text))),
          sendClose: (code, reason) => {
            const p = Buffer.alloc(2 + Buffer.byteLength(reason));
            p.writeUInt16BE(code, 0);
            p.write(reason, 2);
            socket.write(serverFrame(0x8, p));
          },
        };
        connections.push(conn);
        waiters.shift()?.(conn);
        if (path.startsWith("/silent/")) return;
        if (path.startsWith("/reject/")) {
          socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
          return;
        }
        const key = /Sec-WebSocket-Key:\s*(\S+)/i.exec(request)![1]!;
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
      }
      for (;;) {
        if (buf.length < 2) return;
        const b1 = buf[1]!;
        let len = b1 & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const masked = (b1 & 0x80) !== 0;
        const headLen = off + (masked ? 4 : 0);
        if (buf.length < headLen + len) return;
        const head = Buffer.from(buf.subarray(0, headLen));
        const payload = Buffer.from(buf.subarray(headLen, headLen + len));
        if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ head[off + (i & 3)]!;
        const frame: WireFrame = { t: performance.now(), fin: (buf[0]! & 0x80) !== 0, rsv: buf[0]! & 0x70, opcode: buf[0]! & 0x0f, masked, head, payload };
        buf = buf.subarray(headLen + len);
        conn!.frames.push(frame);
        if (frame.opcode === 0x9) socket.write(serverFrame(0xa, payload));
        if (frame.opcode === 0x8) {
          socket.end(serverFrame(0x8, payload));
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  esl.defer(() => new Promise<void>((r) => server.close(() => r())));
  esl.defer(() => {
    for (const socket of sockets) socket.destroy();
  });
  return {
    port: (server.address() as { port: number }).port,
    connections,
    next: () => new Promise<RawConnection>((resolve) => waiters.push(resolve)),
  };
}

function serverFrame(opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** A port where nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ------------------------------------------------------------------ the api

describe("uuid_audio_stream replies (capture part 2e)", () => {
  test("usage, no reply, operation failed, success — byte for byte", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    const url = `ws://127.0.0.1:${ws.port}/x`;
    // capture: "api uuid_audio_stream <uuid>" and "... start ws://…/x" → -USAGE (147 bytes)
    expect(await api(c, `uuid_audio_stream ${uuid}`)).toBe(USAGE);
    expect(Buffer.byteLength(USAGE)).toBe(147);
    expect(await api(c, `uuid_audio_stream ${uuid} start ${url}`)).toBe(USAGE);
    // capture: "quad 8k" → -ERR no reply (the module writes nothing)
    expect(await api(c, `uuid_audio_stream ${uuid} start ${url} quad 8k`)).toBe("-ERR no reply\n");
    expect(await api(c, `uuid_audio_stream ${uuid} start http://127.0.0.1:${ws.port}/x mono 8k`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, `uuid_audio_stream ${uuid} start ${url} mono 11025`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, `uuid_audio_stream ${uuid} send_text`)).toBe("-ERR no reply\n");
    expect(await api(c, `uuid_audio_stream ${uuid} frobnicate`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, "uuid_audio_stream 00000000-0000-0000-0000-000000000000 stop")).toBe("-ERR Operation Failed\n");
    // No stream yet: stop, pause, resume and send_text fail.
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, `uuid_audio_stream ${uuid} pause`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, `uuid_audio_stream ${uuid} send_text hi`)).toBe("-ERR Operation Failed\n");
    // 2d: a working stream, then a second start while it is active.
    expect(await api(c, `uuid_audio_stream ${uuid} start ${url} mono 8k`)).toBe("+OK Success\n");
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_audio_stream ${uuid} start ${url} mono 8k`)).toBe("-ERR Operation Failed\n");
    expect(await api(c, `uuid_audio_stream ${uuid} pause`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} resume`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("-ERR Operation Failed\n");
    // The wire: api/response, Content-Length, body.
    expect(c.frames.at(-1)!.raw).toBe("Content-Type: api/response\nContent-Length: 22\n\n-ERR Operation Failed\n");
  });

  test("without mod_audio_stream loaded it is a missing api, as on a switch that never loaded the module", async () => {
    const sim = await startSim({ modules: WITHOUT_STREAM });
    const c = await client(sim, false);
    expect(await api(c, "uuid_audio_stream 00000000-0000-0000-0000-000000000000 stop")).toBe("-ERR uuid_audio_stream Command not found!\n");
    expect(await api(c, "module_exists mod_audio_stream")).toBe("false");
  });

  test("start pre-answers a channel that is still ringing (switch_channel_pre_answer)", async () => {
    const sim = await startSim({ timeScale: 1, scenario: { defaultCallee: { ringMs: 60_000 } } });
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = "a5000000-0000-4000-8000-0000000000aa";
    c.send(`bgapi originate {origination_uuid=${uuid}}sofia/gateway/carrier/15551230000 &park\n\n`);
    await c.next();
    await until("the parked channel", () => sim.channelCount() === 1, 5_000, 5);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/early mono 8k`)).toBe("+OK Success\n");
    const early = await c.waitFor((f) => value(f, "Event-Name") === "CHANNEL_PROGRESS_MEDIA");
    expect(value(early, "Unique-ID")).toBe(uuid);
    expect(value(early, "Answer-State")).toBe("early");
    await streamEvent(c, "mod_audio_stream::connect");
    sim.hangup(uuid);
  });
});

describe("mod_audio_stream events (capture part 1 and 2)", () => {
  test("::connect: Event-Subclass before Event-Name, the channel data with variables, body {\"status\":\"connected\"}", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_setvar ${uuid} STREAM_HEART_BEAT 10`)).toBe("+OK\n");
    expect(await api(c, `uuid_setvar ${uuid} STREAM_MESSAGE_DEFLATE true`)).toBe("+OK\n");
    const meta = `{"call":"${uuid}","token":"abc"}`;
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/stream/${uuid} mono 16k ${meta}`)).toBe("+OK Success\n");
    const ev = await streamEvent(c, "mod_audio_stream::connect");
    const names = parsePlainEvent(ev.body).headers.map(([name]) => name);
    // As in the capture (lines 276-290), then the channel's basic data.
    expect(names.slice(0, 22)).toEqual([
      "Event-Subclass",
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
      "Channel-State",
      "Channel-Call-State",
      "Channel-State-Number",
      "Channel-Name",
      "Unique-ID",
      "Call-Direction",
      "Presence-Call-Direction",
      "Channel-HIT-Dialplan",
    ]);
    expect(value(ev, "Event-Subclass")).toBe("mod_audio_stream%3A%3Aconnect");
    expect(value(ev, "Event-Name")).toBe("CUSTOM");
    expect(value(ev, "Event-Calling-File")).toBe("mod_audio_stream.c");
    expect(value(ev, "Event-Calling-Function")).toBe("responseHandler");
    expect(value(ev, "Event-Calling-Line-Number")).toBe("16");
    expect(value(ev, "Unique-ID")).toBe(uuid);
    expect(value(ev, "Answer-State")).toBe("answered");
    expect(value(ev, "variable_STREAM_HEART_BEAT")).toBe("10");
    expect(value(ev, "variable_STREAM_MESSAGE_DEFLATE")).toBe("true");
    expect(value(ev, "variable_current_application")).toBe("park");
    expect(names.indexOf("Caller-Unique-ID")).toBeGreaterThan(names.indexOf("Answer-State"));
    // The body: Content-Length: 22, a blank line, the JSON with no newline.
    expect(ev.body).toEndWith('\nContent-Length: 22\n\n{"status":"connected"}');
  });

  test("the event command takes every word after CUSTOM as a subclass", async () => {
    const sim = await startSim();
    const c = await client(sim, false);
    const ws = await rawWsServer();
    c.send("event plain CUSTOM mod_audio_stream::connect CHANNEL_ANSWER\n\n");
    await c.next();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/sub mono 8k`)).toBe("+OK Success\n");
    const conn = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    conn.sendText('{"type":"hello"}');
    await Bun.sleep(100);
    const events = c.frames.filter((f) => header(f, "Content-Type") === "text/event-plain").map((f) => value(f, "Event-Name"));
    // CHANNEL_ANSWER was read as a subclass name; ::json was not asked for.
    expect(events).toEqual(["CUSTOM"]);
  });

  test("server text → ::json unchanged; streamAudio → ::play with the temp file, which plays and is deleted by stop", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/stream/${uuid} mono 16k`)).toBe("+OK Success\n");
    const conn = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_audio_stream ${uuid} send_text hello`)).toBe("+OK Success\n");
    await until("a text frame", () => conn.frames.some((f) => f.opcode === 0x1), 5_000, 5);
    expect(conn.frames.find((f) => f.opcode === 0x1)!.payload.toString()).toBe("hello");

    conn.sendText('{"type":"hello"}');
    const json = await streamEvent(c, "mod_audio_stream::json");
    expect(eventBody(json)).toBe('{"type":"hello"}');
    expect(json.body).toContain("\nContent-Length: 16\n\n");

    // 0.5 s of 8 kHz s16le, as the capture's server sent it.
    const audio = Buffer.alloc(8000);
    for (let i = 0; i < 4000; i++) audio.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / 8000)), i * 2);
    conn.sendText(JSON.stringify({ type: "streamAudio", data: { audioDataType: "raw", sampleRate: 8000, audioData: audio.toString("base64") } }));
    const play = await streamEvent(c, "mod_audio_stream::play");
    const file = `/tmp/${uuid}_0.tmp.r8`;
    expect(eventBody(play)).toBe(`{"audioDataType":"raw","sampleRate":8000,"file":"${file}"}`);
    expect(play.body).toContain("\nContent-Length: 101\n\n");
    // Nothing is played by the module; the application plays the file itself.
    c.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ${file}\n\n`);
    const stop = await c.waitFor((f) => value(f, "Event-Name") === "PLAYBACK_STOP");
    expect(value(stop, "variable_playback_ms")).toBe("500");
    expect(value(stop, "variable_playback_samples")).toBe("4000");
    // A second streamAudio gets the next index; a bad one falls back to ::json.
    conn.sendText(JSON.stringify({ type: "streamAudio", data: { audioDataType: "raw", sampleRate: 22050, audioData: "AAAA" } }));
    expect(eventBody(await streamEvent(c, "mod_audio_stream::json"))).toContain('"sampleRate":22050');

    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
    c.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ${file}\n\n`);
    const complete = await c.waitFor((f) => value(f, "Event-Name") === "CHANNEL_EXECUTE_COMPLETE" && value(f, "Application") === "playback" && value(f, "Application-Response") === "FILE%20NOT%20FOUND");
    expect(complete).toBeDefined();
  });

  test("errors: refused (6), no upgrade answer (10, after 1 s), 404 (6), TCP drop (1); the stream is gone after each", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);

    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${await closedPort()}/nothing mono 8k {"call":"${uuid}"}`)).toBe("+OK Success\n");
    expect(eventBody(await streamEvent(c, "mod_audio_stream::error"))).toBe('{"status":"error","message":{"code":6,"error":"Connection refused (system error 111)"}}');
    expect(await api(c, `uuid_audio_stream ${uuid} send_text after-error`)).toBe("-ERR Operation Failed\n");

    const started = performance.now();
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/silent/${uuid} mono 8k`)).toBe("+OK Success\n");
    expect(eventBody(await streamEvent(c, "mod_audio_stream::error"))).toBe('{"status":"error","message":{"code":10,"error":"Timeout"}}');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);

    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/reject/${uuid} mono 8k`)).toBe("+OK Success\n");
    expect(eventBody(await streamEvent(c, "mod_audio_stream::error"))).toBe('{"status":"error","message":{"code":6,"error":"WebSocket upgrade failed"}}');

    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/drop/${uuid} mono 8k`)).toBe("+OK Success\n");
    const drop = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    await Bun.sleep(100);
    drop.socket.destroy();
    // libwsc reports the drop as error 1: the capture saw the EOF first ("abnormal EOF"); when a frame
    // is being written as the peer goes, the write fails first (EPIPE / ECONNRESET) — a race, not a bug.
    const dropError = JSON.parse(eventBody(await streamEvent(c, "mod_audio_stream::error"))!);
    expect(dropError.message.code).toBe(1);
    expect(dropError.message.error).toMatch(/^(Connection closed without WebSocket CLOSE \(abnormal EOF\)|Broken pipe \(system error 32\)|Connection reset by peer \(system error 104\))$/);
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("-ERR Operation Failed\n");
  });

  test("a server CLOSE fires ::disconnect and leaves the stream attached until stop (2h)", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/servclose/${uuid} mono 8k`)).toBe("+OK Success\n");
    const conn = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    await Bun.sleep(200);
    conn.sendClose(1000, "server bye");
    expect(eventBody(await streamEvent(c, "mod_audio_stream::disconnect"))).toBe('{"status":"disconnected","message":{"code":1000,"reason":"server bye"}}');
    await conn.closed;
    // libwsc echoed the server's code and reason.
    const close = conn.frames.find((f) => f.opcode === 0x8)!;
    expect(close.head.subarray(0, 2)).toEqual(Buffer.from([0x88, 0x8c]));
    expect(close.payload).toEqual(Buffer.from([0x03, 0xe8, ...Buffer.from("server bye")]));
    const binaries = conn.frames.filter((f) => f.opcode === 0x2).length;
    expect(await api(c, `uuid_audio_stream ${uuid} send_text after-server-close`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/again/${uuid} mono 8k`)).toBe("-ERR Operation Failed\n");
    await Bun.sleep(100);
    expect(conn.frames.filter((f) => f.opcode === 0x2).length).toBe(binaries);
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/again/${uuid} mono 8k`)).toBe("+OK Success\n");
  });

  test("stop and hangup fire no event; both close with CLOSE 1000 'Normal closure', stop's text first (1, 2j)", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/stop/${uuid} mono 8k`)).toBe("+OK Success\n");
    const first = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_audio_stream ${uuid} stop {"bye":1}`)).toBe("+OK Success\n");
    // The reply waited for the close handshake.
    expect(first.frames.at(-2)!.payload.toString()).toBe('{"bye":1}');
    expect(first.frames.at(-1)!.head.subarray(0, 2)).toEqual(Buffer.from([0x88, 0x90]));
    expect(first.frames.at(-1)!.payload.toString("latin1")).toBe("\x03\xe8Normal closure");

    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/hangup/${uuid} mono 8k`)).toBe("+OK Success\n");
    const second = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_kill ${uuid}`)).toBe("+OK\n");
    await second.closed;
    expect(second.frames.at(-1)!.payload.toString("latin1")).toBe("\x03\xe8Normal closure");
    await c.waitFor((f) => value(f, "Event-Name") === "CHANNEL_HANGUP_COMPLETE");
    await Bun.sleep(50);
    const subclasses = c.frames.map((f) => value(f, "Event-Subclass")).filter(Boolean);
    expect(subclasses).toEqual(["mod_audio_stream%3A%3Aconnect", "mod_audio_stream%3A%3Aconnect"]);
  });
});

describe("argument forms (capture 2f, 2g)", () => {
  test("^^| keeps spaces in metadata and send_text; the space form keeps the metadata's spaces but eats quotes and escapes, and sends one word", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(
      await api(c, `uuid_audio_stream ^^|${uuid}|start|ws://127.0.0.1:${ws.port}/pipe/${uuid}|mono|8k|{"text":"hello world, with  spaces","n":1}`),
    ).toBe("+OK Success\n");
    const pipe = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_audio_stream ^^|${uuid}|send_text|text with spaces via the pipe form`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ^^|${uuid}|stop|bye bye`)).toBe("+OK Success\n");
    expect(pipe.frames.filter((f) => f.opcode === 0x1).map((f) => f.payload.toString())).toEqual([
      '{"text":"hello world, with  spaces","n":1}',
      "text with spaces via the pipe form",
      "bye bye",
    ]);

    expect(
      await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/spaces/${uuid} mono 8k {"text":"hello world, with  spaces","q":"it's 'x'","p":"a\\\\b"}   `),
    ).toBe("+OK Success\n");
    const spaces = await ws.next();
    await streamEvent(c, "mod_audio_stream::connect");
    expect(await api(c, `uuid_audio_stream ${uuid} send_text two  words   and more`)).toBe("+OK Success\n");
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
    expect(spaces.frames.filter((f) => f.opcode === 0x1).map((f) => f.payload.toString())).toEqual([
      '{"text":"hello world, with  spaces","q":"its x\'","p":"a\\b"}',
      "two",
    ]);
  });
});

describe("the WebSocket bytes (mod_audio_stream_ws.transcript.txt)", () => {
  test("upgrade request as libwsc writes it; metadata first; masked L16 frames of 640 B at 16k; PING 'ping' every STREAM_HEART_BEAT s", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_setvar ${uuid} STREAM_HEART_BEAT 1`)).toBe("+OK\n");
    const meta = `{"call":"${uuid}","token":"abc"}`;
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/stream/${uuid} mono 16k ${meta}`)).toBe("+OK Success\n");
    const conn = await ws.next();
    expect(conn.request).toMatch(
      new RegExp(
        `^GET /stream/${uuid} HTTP/1\\.1\\r\\nHost:127\\.0\\.0\\.1:${ws.port}\\r\\nUpgrade:websocket\\r\\nConnection:upgrade\\r\\n` +
          `Sec-WebSocket-Key:[A-Za-z0-9+/]{22}==\\r\\nSec-WebSocket-Version:13\\r\\nOrigin:http://127\\.0\\.0\\.1:${ws.port}\\r\\n\\r\\n$`,
      ),
    );
    await until("a PING", () => conn.frames.filter((f) => f.opcode === 0x9).length >= 1, 3000, 5);
    await until("60 binary frames", () => conn.frames.filter((f) => f.opcode === 0x2).length >= 60, 5_000, 5);
    const [metaFrame, ...rest] = conn.frames;
    expect(metaFrame!.opcode).toBe(0x1);
    expect(metaFrame!.head.subarray(0, 2)).toEqual(Buffer.from([0x81, 0x80 | meta.length]));
    expect(metaFrame!.payload.toString()).toBe(meta);
    const binary = rest.filter((f) => f.opcode === 0x2);
    for (const f of binary) {
      expect([f.fin, f.rsv, f.masked]).toEqual([true, 0, true]);
      expect(f.head.subarray(0, 4)).toEqual(Buffer.from([0x82, 0xfe, 0x02, 0x80]));
      expect(f.head.length).toBe(8);
    }
    // A fresh mask key for each frame.
    expect(new Set(binary.map((f) => f.head.subarray(4).toString("hex"))).size).toBe(binary.length);
    // Nobody speaks: loopback-style silence, int16 -1.
    expect(l16Samples(new Uint8Array(binary[5]!.payload)).every((s) => s === -1)).toBe(true);
    const ping = conn.frames.find((f) => f.opcode === 0x9)!;
    expect(ping.head.subarray(0, 2)).toEqual(Buffer.from([0x89, 0x84]));
    expect(ping.payload.toString()).toBe("ping");
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
  });

  test("frame sizes: 320 B at 8k, 1280 B stereo 16k (channel 0 = caller), 1600 B every 100 ms with STREAM_BUFFER_SIZE=100", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const ws = await rawWsServer();
    const uuid = await parkedCall(c);
    const sizes = async (mix: string, rate: string, count: number) => {
      expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${ws.port}/${mix}${rate}/${uuid} ${mix} ${rate}`)).toBe("+OK Success\n");
      const conn = await ws.next();
      await until("the binary frames", () => conn.frames.filter((f) => f.opcode === 0x2).length >= count, 5_000, 5);
      expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
      const binary = conn.frames.filter((f) => f.opcode === 0x2);
      return { sizes: new Set(binary.map((f) => f.payload.length)), binary };
    };
    expect((await sizes("mono", "8k", 5)).sizes).toEqual(new Set([320]));
    expect((await sizes("mixed", "8k", 5)).sizes).toEqual(new Set([320]));
    expect((await sizes("stereo", "16k", 5)).sizes).toEqual(new Set([1280]));
    expect(await api(c, `uuid_setvar ${uuid} STREAM_BUFFER_SIZE 100`)).toBe("+OK\n");
    const started = performance.now();
    const buffered = await sizes("mono", "8k", 4);
    expect(buffered.sizes).toEqual(new Set([1600]));
    // 100 ms apart: 4 frames take at least ~400 ms.
    expect(buffered.binary.at(-1)!.t - started).toBeGreaterThan(350);
  });
});

// ------------------------------------------------------------------ pacing and words, on Bun.serve

interface Received {
  t: number;
  text?: string;
  bytes?: Uint8Array;
}

function bunServer() {
  const received: Received[] = [];
  const upgrades: Request[] = [];
  let closed: { code: number; reason: string } | undefined;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      upgrades.push(req);
      return srv.upgrade(req) ? undefined : new Response("no", { status: 400 });
    },
    websocket: {
      message(_ws, msg) {
        const t = performance.now();
        if (typeof msg === "string") received.push({ t, text: msg });
        else received.push({ t, bytes: new Uint8Array(msg) });
      },
      close(_ws, code, reason) {
        closed = { code, reason };
      },
    },
  });
  esl.defer(() => server.stop(true));
  return { port: server.port, received, upgrades, closed: () => closed };
}

describe("the stream on a Bun.serve WebSocket server", () => {
  test("metadata first, then 640 B frames at 50 a second, paced by the clock (count within 2 of elapsed/20 ms)", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const server = bunServer();
    const uuid = await parkedCall(c);
    const meta = JSON.stringify({ call: uuid, token: "t0k3n" });
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${server.port}/media/${uuid} mono 16k ${meta}`)).toBe("+OK Success\n");
    const started = performance.now();
    await Bun.sleep(3000);
    const elapsed = performance.now() - started;
    const got = [...server.received];
    expect(server.upgrades[0]!.headers.get("origin")).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.upgrades[0]!.headers.get("sec-websocket-extensions")).toBeNull();
    expect(got[0]!.text).toBe(meta);
    const frames = got.slice(1);
    expect(frames.every((f) => f.bytes?.byteLength === 640)).toBe(true);
    // Frame k holds [k·20, k·20+20) ms of audio after start and is sent when it is complete.
    const expected = Math.floor(elapsed / 20);
    expect(Math.abs(frames.length - expected)).toBeLessThanOrEqual(3);
    expect(sim.audioStream(uuid)).toMatchObject({ sampleRate: 16000, mix: "mono", frameMs: 20, framesDropped: 0, connected: true });
    // pause: no frames (the audio is discarded), resume: frames again, no catch-up burst.
    expect(await api(c, `uuid_audio_stream ${uuid} pause`)).toBe("+OK Success\n");
    await Bun.sleep(60);
    const atPause = server.received.length;
    await Bun.sleep(500);
    expect(server.received.length).toBe(atPause);
    expect(await api(c, `uuid_audio_stream ${uuid} resume`)).toBe("+OK Success\n");
    await Bun.sleep(500);
    const resumed = server.received.length - atPause;
    expect(resumed).toBeGreaterThanOrEqual(20);
    expect(resumed).toBeLessThanOrEqual(28);
    expect(await api(c, `uuid_audio_stream ${uuid} stop`)).toBe("+OK Success\n");
    await until("the stream's close", () => server.closed() !== undefined, 5_000, 5);
    expect(server.closed()).toEqual({ code: 1000, reason: "Normal closure" });
  });

  test("a stalled process owes frames and sends them: after the event loop is blocked for 300 ms the count is still elapsed/20 ms", async () => {
    const sim = await startSim();
    const c = await client(sim);
    const server = bunServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${server.port}/media/${uuid} mono 8k`)).toBe("+OK Success\n");
    const started = performance.now();
    await Bun.sleep(500);
    const block = performance.now();
    while (performance.now() - block < 300) {
      // the whole process stalls: no tick, no socket write
    }
    await Bun.sleep(700);
    const elapsed = performance.now() - started;
    const frames = server.received.filter((r) => r.bytes).length;
    expect(Math.abs(frames - Math.floor(elapsed / 20))).toBeLessThanOrEqual(3);
    expect(sim.audioStream(uuid)!.framesDropped).toBe(0);
  });

  test("the far end's scripted speech arrives as speech frames that decode to its words, when it is said", async () => {
    const text = "Hello, I would like to book a table for two on Friday.";
    const sim = await startSim({
      timeScale: 1,
      scenario: { defaultCallee: { ringMs: 0, speech: [{ atMs: 400, durationMs: 1200, text }] } },
    });
    const c = await client(sim);
    const server = bunServer();
    const uuid = await parkedCall(c);
    expect(await api(c, `uuid_audio_stream ${uuid} start ws://127.0.0.1:${server.port}/media/${uuid} mono 16k`)).toBe("+OK Success\n");
    await Bun.sleep(2000);
    const speech = server.received
      .filter((r) => r.bytes)
      .map((r) => ({ t: r.t, frame: decodeSpeechFrame(l16Samples(r.bytes!), 16000) }))
      .filter((r) => r.frame !== null);
    expect(speech.length).toBe(60); // 1200 ms of 20 ms frames
    expect(speech.map((s) => s.frame!.index)).toEqual([...Array(60).keys()]);
    const words = new UtteranceText(speech[0]!.frame!.utteranceId, speech[0]!.frame!.textLength);
    for (const s of speech) words.add(s.frame!);
    expect(words.text).toBe(text);
    // When: the first speech frame is sent once its 20 ms are complete, at the transcript's start time.
    const [line] = sim.callerTranscript(uuid);
    expect(line).toMatchObject({ who: "callee", text, durationMs: 1200, interrupted: false });
    const firstAt = performance.timeOrigin + speech[0]!.t;
    expect(firstAt - line!.startedAt).toBeGreaterThanOrEqual(0);
    expect(firstAt - line!.startedAt).toBeLessThan(120);
    const lastAt = performance.timeOrigin + speech.at(-1)!.t;
    expect(lastAt - line!.endedAt!).toBeGreaterThanOrEqual(-1);
    expect(lastAt - line!.endedAt!).toBeLessThan(120);
    sim.hangup(uuid);
    await until("the stream's close", () => server.closed() !== undefined, 5_000, 5);
    expect(server.closed()!.code).toBe(1000);
  });
});
