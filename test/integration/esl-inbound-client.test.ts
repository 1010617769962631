/**
 * EslInboundClient against a raw TCP peer that plays FreeSWITCH's side of
 * mod_event_socket (inbound mode) with frames shaped like the real captures.
 * No simulator needed: the peer is scripted per test, which is also how
 * garbage, wrong Content-Length, drops and slow consumers are produced.
 */
import { afterEach, describe, expect, test } from "bun:test";
import net, { type Server, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  EslAuthError,
  EslInboundClient,
  EslLinkDownError,
  EslTimeoutError,
  KNOWN_EVENT_NAMES,
  type EslInboundClientOptions,
  type ResyncReport,
  type SkipNotice,
  type SwitchEvent,
} from "../../src/esl/index.ts";
import { until } from "../support/until.ts";

const TRACES = join(import.meta.dir, "../fixtures/esl-traces");
const PASSWORD = "ClueCon";
const GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

// ------------------------------------------------------------------ frames, as FreeSWITCH writes them

/** switch_url_encode: bytes below 0x20, above 0x7E and the unsafe set become %XX. */
function urlEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte < 0x20 || byte > 0x7e || "\r\n #%&+:;<=>?@[\\]^`{|}\"".includes(c) ? "%" + byte.toString(16).toUpperCase().padStart(2, "0") : c;
  }
  return out;
}

function reply(text: string, extra = ""): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n${extra}\n`;
}

function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

function disconnectNotice(): string {
  return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(GOODBYE)}\n\n${GOODBYE}`;
}

let sequence = 1000;
/** A text/event-plain frame (switch_event_serialize layout: url-encoded values, inner Content-Length for a body). */
function plainEvent(fields: Record<string, string>, body?: string): string {
  const all: Record<string, string> = {
    "Core-UUID": "de2ac2e5-0084-4e6b-8772-9b71995e6ea5",
    "Event-Date-Timestamp": "1795315167126431",
    "Event-Sequence": String(sequence++),
    ...fields,
  };
  let inner = "";
  for (const [k, v] of Object.entries(all)) inner += `${k}: ${urlEncode(v)}\n`;
  inner += body === undefined ? "\n" : `Content-Length: ${Buffer.byteLength(body)}\n\n${body}`;
  return `Content-Length: ${Buffer.byteLength(inner)}\nContent-Type: text/event-plain\n\n${inner}`;
}

function channelEvent(name: string, uuid: string, extra: Record<string, string> = {}): string {
  return plainEvent({
    "Event-Name": name,
    "Channel-State": "CS_EXECUTE",
    "Channel-Call-State": "ACTIVE",
    "Unique-ID": uuid,
    "Call-Direction": "inbound",
    "Answer-State": "answered",
    "Caller-Caller-ID-Name": "Alice",
    "Caller-Caller-ID-Number": "1001",
    "Caller-Destination-Number": "2000",
    ...extra,
  });
}

function showChannels(uuids: string[]): string {
  if (uuids.length === 0) return '{"row_count": 0}\n';
  const rows = uuids.map((uuid) => ({
    uuid,
    direction: "inbound",
    created: "2026-11-22 02:39:27",
    created_epoch: "1795315167",
    name: `sofia/internal/${uuid.slice(0, 4)}@192.0.2.2`,
    state: "CS_EXECUTE",
    cid_name: "Alice",
    cid_num: "1001",
    dest: "2000",
    callstate: "ACTIVE",
  }));
  return JSON.stringify({ row_count: rows.length, rows });
}

// ------------------------------------------------------------------ the fake switch

type CommandHandler = (command: string, socket: Socket, sw: FakeSwitch) => boolean | void;

/** Plays FreeSWITCH: auth/request, auth, event, api show channels, bgapi replies, sendmsg +OK, exit. */
class FakeSwitch {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  readonly commands: string[] = [];
  connections = 0;
  channels: string[] = [];
  /** Per-test override; return true when the command was answered. */
  onCommand: CommandHandler | null = null;

  constructor() {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Write to every connected socket. */
  broadcast(text: string | Buffer): void {
    for (const s of this.sockets) s.write(text);
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      let end: number;
      while ((end = buffered.indexOf("\n\n")) !== -1) {
        let command = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        // sendmsg with a body: content-length bytes follow the blank line.
        const cl = /content-length: (\d+)/i.exec(command);
        if (cl) {
          command += "\n\n" + buffered.slice(0, Number(cl[1]));
          buffered = buffered.slice(Number(cl[1]));
        }
        this.commands.push(command);
        this.answer(command, socket);
      }
    });
    // mod_event_socket greets every inbound connection with an auth request.
    socket.write("Content-Type: auth/request\n\n");
  }

  private answer(command: string, socket: Socket): void {
    if (this.onCommand?.(command, socket, this)) return;
    const first = command.split("\n", 1)[0]!;
    if (first.startsWith("auth ")) {
      if (first.slice(5) === PASSWORD) socket.write(reply("+OK accepted"));
      else {
        socket.write(reply("-ERR invalid") + disconnectNotice());
        socket.end();
      }
    } else if (first.startsWith("event json ")) socket.write(reply("+OK event listener enabled json"));
    else if (first === "api show channels as json") socket.write(apiResponse(showChannels(this.channels)));
    else if (first.startsWith("api status")) socket.write(apiResponse("UP 0 years, 0 days\nFreeSWITCH (Version 1.10.12-release 64bit) is ready\n"));
    else if (first.startsWith("bgapi ")) {
      const job = /Job-UUID: (\S+)/.exec(command)?.[1] ?? "none";
      socket.write(reply(`+OK Job-UUID: ${job}`, `Job-UUID: ${job}\n`));
    } else if (first.startsWith("sendmsg ")) socket.write(reply("+OK"));
    else if (first.startsWith("api ")) {
      // mod_event_socket answers an unknown api command with an api/response, never a command/reply.
      socket.write(apiResponse(`-ERR ${first.slice(4).split(" ")[0]} Command not found!\n`));
    }
    else if (first === "exit") {
      socket.write(reply("+OK bye") + disconnectNotice());
      socket.end();
    } else socket.write(reply("-ERR command not found"));
  }
}

// ------------------------------------------------------------------ harness

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: Partial<EslInboundClientOptions> = {}): Promise<{ sw: FakeSwitch; client: EslInboundClient; port: number }> {
  const sw = new FakeSwitch();
  const port = await sw.listen();
  const client = new EslInboundClient({
    host: "127.0.0.1",
    port,
    password: PASSWORD,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.2 },
    apiTimeoutMs: 2000,
    ...opts,
  });
  cleanups.push(() => sw.close());
  cleanups.push(() => client.stop());
  return { sw, client, port };
}

function next<T extends unknown[]>(emitter: { once(event: string, fn: (...args: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: T) => resolve(args)));
}

const A = "aaaaaaaa-0000-4000-8000-000000000001";
const B = "bbbbbbbb-0000-4000-8000-000000000002";
const C = "cccccccc-0000-4000-8000-000000000003";
const D = "dddddddd-0000-4000-8000-000000000004";
const E = "eeeeeeee-0000-4000-8000-000000000005";

// ------------------------------------------------------------------ tests

describe("EslInboundClient", () => {
  test("authenticates, subscribes to every known event, resyncs on first connect and answers api", async () => {
    const { sw, client } = await setup();
    sw.channels = [A, B];
    const resync = next<[ResyncReport]>(client, "resync");
    await client.start();
    expect(client.connected).toBe(true);
    expect(sw.commands[0]).toBe(`auth ${PASSWORD}`);
    expect(sw.commands).toContain(`event json ${KNOWN_EVENT_NAMES.join(" ")}`);
    const [report] = await resync;
    expect(report.discovered.map((c) => c.uuid)).toEqual([A, B]);
    expect(report.discovered[0]).toMatchObject({ callerIdName: "Alice", callerIdNumber: "1001", destination: "2000", callState: "ACTIVE" });
    expect(report.survived).toEqual([]);
    expect(report.vanished).toEqual([]);
    expect(client.knownChannels()).toEqual(new Set([A, B]));
    expect(await client.api("status")).toContain("is ready");
  });

  test("a wrong password rejects start() with EslAuthError and is not retried", async () => {
    const { sw, client } = await setup({ password: "wrong" });
    await expect(client.start()).rejects.toBeInstanceOf(EslAuthError);
    await new Promise((r) => setTimeout(r, 150));
    expect(sw.connections).toBe(1);
    expect(client.connected).toBe(false);
  });

  test("CUSTOM subclasses are subscribed in a second event command; a channel's CUSTOM event arrives with its subclass and body", async () => {
    const subclasses = ["mod_audio_stream::connect", "mod_audio_stream::disconnect", "mod_audio_stream::error"];
    const { sw, client } = await setup({ customSubclasses: subclasses });
    const events: SwitchEvent[] = [];
    client.onEvent((e) => void events.push(e));
    await client.start();
    // (modesl's own `event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE` comes first.) Every word after
    // CUSTOM is a subclass, so the Event-Names cannot share its command.
    const subscriptions = sw.commands.filter((c) => c.startsWith("event json")).slice(-2);
    expect(subscriptions).toEqual([`event json ${KNOWN_EVENT_NAMES.join(" ")}`, `event json CUSTOM ${subclasses.join(" ")}`]);

    // Plain events put Event-Subclass (url-encoded) before Event-Name, as the module's capture shows.
    sw.broadcast(
      plainEvent(
        { "Event-Subclass": "mod_audio_stream::error", "Event-Name": "CUSTOM", "Unique-ID": C, "Channel-Call-State": "ACTIVE", "Answer-State": "answered" },
        '{"status":"error","message":{"code":6,"error":"WebSocket upgrade failed"}}',
      ),
    );
    await until("the CUSTOM event", () => events.length === 1, 5_000, 5);
    expect(events[0]).toMatchObject({
      kind: "channel.custom",
      uuid: C,
      subclass: "mod_audio_stream::error",
      body: '{"status":"error","message":{"code":6,"error":"WebSocket upgrade failed"}}',
    });
  });

  test("decoded events reach the consumer in order; bgapi resolves with its BACKGROUND_JOB", async () => {
    const { sw, client } = await setup();
    const events: SwitchEvent[] = [];
    client.onEvent((e) => void events.push(e));
    await client.start();
    sw.onCommand = (command, socket) => {
      if (!command.startsWith("bgapi originate")) return false;
      const job = /Job-UUID: (\S+)/.exec(command)![1]!;
      socket.write(reply(`+OK Job-UUID: ${job}`, `Job-UUID: ${job}\n`));
      socket.write(
        plainEvent({ "Event-Name": "BACKGROUND_JOB", "Job-UUID": job, "Job-Command": "originate", "Job-Command-Arg": "x" }, `+OK ${C}\n`),
      );
      return true;
    };
    const outcome = await client.send({ type: "originate", uuid: C, dialString: "loopback/1000/default", timeoutSec: 20 });
    expect(outcome).toEqual({ ok: true, type: "originate", reply: `+OK ${C}`, uuid: C });
    expect(client.knownChannels().has(C)).toBe(true);
    const sent = sw.commands.find((c) => c.startsWith("bgapi originate"))!;
    expect(sent).toStartWith(`bgapi originate {origination_uuid=${C},originate_timeout=20}loopback/1000/default &park()\nJob-UUID: `);

    sw.broadcast(channelEvent("CHANNEL_ANSWER", C) + channelEvent("DTMF", C, { "DTMF-Digit": "#", "DTMF-Duration": "800" }));
    await until("two channel events", () => events.filter((e) => e.kind !== "background_job").length === 2, 5_000, 5);
    expect(events.map((e) => e.kind)).toEqual(["background_job", "channel.answer", "channel.dtmf"]);
    const dtmf = events[2]!;
    expect(dtmf.kind === "channel.dtmf" && dtmf.digit).toBe("#");
  });

  test("originate failure, api -ERR and sendmsg replies become CommandOutcomes; execute resolves with its applicationUuid", async () => {
    const { sw, client } = await setup();
    await client.start();
    sw.onCommand = (command, socket) => {
      const first = command.split("\n", 1)[0]!;
      if (first.startsWith("bgapi originate")) {
        const job = /Job-UUID: (\S+)/.exec(command)![1]!;
        socket.write(reply(`+OK Job-UUID: ${job}`, `Job-UUID: ${job}\n`));
        socket.write(plainEvent({ "Event-Name": "BACKGROUND_JOB", "Job-UUID": job, "Job-Command": "originate" }, "-ERR USER_BUSY\n"));
        return true;
      }
      if (first.startsWith("api uuid_kill")) {
        socket.write(apiResponse("-ERR No such channel!\n"));
        return true;
      }
      if (first === `sendmsg ${D}`) {
        socket.write(reply(`-ERR invalid session id [${D}]`));
        return true;
      }
      return false;
    };
    expect(await client.send({ type: "originate", uuid: C, dialString: "user/1000" })).toEqual({
      ok: false,
      type: "originate",
      error: "-ERR USER_BUSY",
      cause: "USER_BUSY",
    });
    expect(await client.send({ type: "hangup", uuid: C, cause: "NORMAL_CLEARING" })).toEqual({
      ok: false,
      type: "hangup",
      error: "-ERR No such channel!",
    });
    expect(await client.send({ type: "answer", uuid: D, applicationUuid: E })).toEqual({
      ok: false,
      type: "answer",
      error: `-ERR invalid session id [${D}]`,
    });

    // Three commands in flight at once: each reply reaches its own caller (FIFO queues, one callback per command).
    const [appUuid, status, play] = await Promise.all([
      client.execute(A, "playback", "ivr/8000/ivr-welcome.wav", { applicationUuid: B, eventLock: true }),
      client.api("status"),
      client.send({ type: "playback", uuid: A, file: "/tmp/x.wav", applicationUuid: C }),
    ]);
    expect(appUuid).toBe(B);
    expect(status).toContain("is ready");
    expect(play).toEqual({ ok: true, type: "playback", reply: "+OK" });
    expect(sw.commands).toContain(
      `sendmsg ${A}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ivr/8000/ivr-welcome.wav\nEvent-UUID: ${B}\nevent-lock: true`,
    );
  });

  test("garbage, wrong Content-Length, bad JSON and a Latin-1 caller name: the client lives on and the next event is delivered", async () => {
    const { sw, client } = await setup();
    const events: SwitchEvent[] = [];
    const skipped: SkipNotice[] = [];
    client.onEvent((e) => void events.push(e));
    client.on("skipped", (n) => skipped.push(n));
    await client.start();

    const answer = readFileSync(join(TRACES, "03-NEventSocket-CHANNEL_ANSWER-event-plain.txt"), "latin1");
    const tooLong = answer.replace(/^Content-Length: (\d+)/, (_, n) => `Content-Length: ${Number(n) + 50}`);
    const tooShort = answer.replace(/^Content-Length: (\d+)/, (_, n) => `Content-Length: ${Number(n) - 50}`);
    const badJsonBody = '{"Event-Name":"CHANNEL_ANSWER",';
    const badJson = `Content-Length: ${badJsonBody.length}\nContent-Type: text/event-json\n\n${badJsonBody}`;
    const latin1Create = channelEvent("CHANNEL_CREATE", D).replace("Caller-Caller-ID-Name: Alice", "Caller-Caller-ID-Name: Jos%E9");
    const latin1Fixed = latin1Create.replace(/^Content-Length: (\d+)/, (_, n) => `Content-Length: ${Number(n) + 1}`);

    sw.broadcast(Buffer.from("\x00\x01garbage between frames\n\n", "latin1"));
    sw.broadcast(Buffer.from(tooLong, "latin1"));
    sw.broadcast(channelEvent("CHANNEL_PARK", A));
    sw.broadcast(Buffer.from(tooShort, "latin1"));
    sw.broadcast(badJson);
    sw.broadcast(latin1Fixed);
    sw.broadcast(channelEvent("DTMF", A, { "DTMF-Digit": "5" }));

    await until("the DTMF after the faults", () => events.some((e) => e.kind === "channel.dtmf"), 5_000, 5);
    expect(events.map((e) => e.kind)).toEqual(["channel.park", "channel.create", "channel.dtmf"]);
    const create = events[1]!;
    expect(create.kind === "channel.create" && create.callerIdName).toBe("José");
    expect(skipped.length).toBeGreaterThanOrEqual(4);
    expect(new Set(skipped.map((s) => s.reason))).toEqual(new Set(["garbage", "bad-plain", "bad-json"]));
    expect(client.stats().skippedFrames).toBe(skipped.length);
    expect(client.connected).toBe(true);
    expect(await client.api("status")).toContain("is ready");
  });

  test("pending api and bgapi fail at once with EslLinkDownError when the peer drops; calls while down fail immediately", async () => {
    const { sw, client } = await setup({ reconnect: { initialDelayMs: 5000, maxDelayMs: 5000, jitter: 0 } });
    await client.start();
    sw.onCommand = (command) => command.startsWith("api status") || command.startsWith("bgapi ");
    const api = client.api("status");
    const bgapi = client.bgapi("originate", "user/1000 &park()");
    // Settled together below; catch here so the first rejection is never seen as unhandled.
    api.catch(() => {});
    bgapi.catch(() => {});
    await until("the bgapi to reach the switch", () => sw.commands.some((c) => c.startsWith("bgapi ")), 5_000, 5);
    const disconnected = next<[{ reason: string }]>(client, "disconnected");
    sw.dropAll();
    const [apiResult, bgapiResult] = await Promise.allSettled([api, bgapi]);
    expect(apiResult.status === "rejected" && apiResult.reason).toBeInstanceOf(EslLinkDownError);
    expect(bgapiResult.status === "rejected" && bgapiResult.reason).toBeInstanceOf(EslLinkDownError);
    await disconnected;
    expect(client.connected).toBe(false);
    await expect(client.api("status")).rejects.toBeInstanceOf(EslLinkDownError);
    await expect(client.execute(A, "answer")).rejects.toBeInstanceOf(EslLinkDownError);
    await expect(client.send({ type: "hangup", uuid: A, cause: "NORMAL_CLEARING" })).rejects.toBeInstanceOf(EslLinkDownError);
  });

  test("an api timeout fails with EslTimeoutError; the late reply does not reach the next caller", async () => {
    const { sw, client } = await setup({ apiTimeoutMs: 100 });
    await client.start();
    let held: Socket | null = null;
    sw.onCommand = (command, socket) => {
      if (command === "api slow_command") {
        held = socket;
        return true;
      }
      if (command === "api status" && held) {
        // FreeSWITCH runs api commands one after the other: the slow one answers first.
        held.write(apiResponse("+OK slow result\n"));
        held = null;
        socket.write(apiResponse("+OK status result\n"));
        return true;
      }
      return false;
    };
    await expect(client.api("slow_command")).rejects.toBeInstanceOf(EslTimeoutError);
    expect(await client.api("status")).toBe("+OK status result\n");
    expect(client.connected).toBe(true);
  });

  test("reconnects with backoff after the peer drops, resubscribes and resyncs: survived / vanished / discovered", async () => {
    const { sw, client } = await setup();
    sw.channels = [A, B];
    const events: SwitchEvent[] = [];
    client.onEvent((e) => void events.push(e));
    await client.start();
    sw.broadcast(channelEvent("CHANNEL_CREATE", C));
    await until("CHANNEL_CREATE", () => events.length === 1, 5_000, 5);
    client.trackChannel(D);
    expect(client.knownChannels()).toEqual(new Set([A, B, C, D]));

    // While we are away: B and D end, E starts.
    sw.channels = [A, C, E];
    const disconnected = next<[{ reason: string }]>(client, "disconnected");
    const reconnected = next<[]>(client, "connected");
    const resync = next<[ResyncReport]>(client, "resync");
    sw.dropAll();
    const [info] = await disconnected;
    expect(info.reason.length).toBeGreaterThan(0);
    await reconnected;
    const [report] = await resync;
    expect(report.survived.map((c) => c.uuid).sort()).toEqual([A, C]);
    expect(report.vanished.sort()).toEqual([B, D]);
    expect(report.discovered.map((c) => c.uuid)).toEqual([E]);
    expect(client.knownChannels()).toEqual(new Set([A, C, E]));
    expect(client.stats().reconnects).toBe(1);
    expect(sw.connections).toBe(2);
    expect(sw.commands.filter((c) => c.startsWith("event json ")).length).toBeGreaterThanOrEqual(2);
    expect(await client.api("status")).toContain("is ready");
  });

  test("reconnect keeps trying while the switch is away, then comes back", async () => {
    const { sw, client } = await setup();
    await client.start();
    const reconnected = next<[]>(client, "connected");
    // Refuse the next few connection attempts by closing them before auth.
    let refusals = 3;
    sw.onCommand = null;
    const originalConnections = sw.connections;
    sw.server.on("connection", (socket: Socket) => {
      if (refusals > 0) {
        refusals--;
        socket.destroy();
      }
    });
    sw.dropAll();
    await reconnected;
    expect(sw.connections - originalConnections).toBe(4);
    expect(client.connected).toBe(true);
  });

  test("a slow consumer pauses the socket; the queue stays bounded and only heartbeats are shed", async () => {
    const { sw, client } = await setup({ queue: { highWater: 5, lowWater: 2, capacity: 60 } });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const delivered: SwitchEvent[] = [];
    client.onEvent(async (e) => {
      await gate;
      delivered.push(e);
    });
    await client.start();
    let burst = "";
    for (let i = 0; i < 40; i++) {
      burst += channelEvent("DTMF", A, { "DTMF-Digit": String(i % 10) });
      burst += plainEvent({ "Event-Name": "HEARTBEAT", "Session-Count": String(i) });
    }
    sw.broadcast(burst);
    await until("the client to pause reading", () => client.stats().pausedCount >= 1, 5_000, 5);
    let maxDepth = 0;
    for (let i = 0; i < 20; i++) {
      maxDepth = Math.max(maxDepth, client.stats().queueDepth);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(maxDepth).toBeLessThanOrEqual(60);
    open();
    await until("the burst to drain", () => client.stats().eventsDelivered + client.stats().droppedEvents === 80, 5_000, 5);
    const stats = client.stats();
    expect(stats.framesDecoded).toBe(80);
    // Whatever had to be shed was a heartbeat: every DTMF arrived, in order.
    const digits = delivered.filter((e) => e.kind === "channel.dtmf").map((e) => (e.kind === "channel.dtmf" ? e.digit : ""));
    expect(digits).toEqual(Array.from({ length: 40 }, (_, i) => String(i % 10)));
    expect(delivered.filter((e) => e.kind === "heartbeat").length).toBe(40 - stats.droppedEvents);
    // Reading resumed: a later event still arrives.
    sw.broadcast(channelEvent("CHANNEL_HANGUP", A, { "Hangup-Cause": "NORMAL_CLEARING" }));
    await until("the event after the burst", () => delivered.some((e) => e.kind === "channel.hangup"), 5_000, 5);
  });

  test("stop() says exit, closes, and later calls fail with EslLinkDownError", async () => {
    const { sw, client } = await setup();
    await client.start();
    await client.stop();
    expect(sw.commands.at(-1)).toBe("exit");
    expect(client.connected).toBe(false);
    await expect(client.api("status")).rejects.toBeInstanceOf(EslLinkDownError);
  });
});
