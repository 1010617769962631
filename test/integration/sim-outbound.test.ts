/**
 * Inbound calls handed to an app over outbound-socket mode (dialplan
 * `socket host:port async full`), checked with modesl's esl.Server and with
 * raw bytes against the real 1.10.12 capture
 * (esl_outbound_socket_2000_linger.transcript.txt).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { createServer, type Server, type Socket } from "node:net";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { header, parsePlainEvent, RawEslClient, type RawFrame } from "../../src/sim/raw-esl-client.ts";

interface EslEvent {
  getHeader(name: string): string | null;
  getBody(): string;
}
interface EslConnection {
  on(event: string, fn: (this: { event: string }, ...args: any[]) => void): void;
  getInfo(): EslEvent | null;
  sendRecv(command: string, cb: (e: EslEvent) => void): void;
  send(command: string, args?: Record<string, string>): void;
  execute(app: string, arg: string, cb: (e: EslEvent) => void): string;
  disconnect(): void;
  socket: { destroy(): void } | null;
}
interface EslServer {
  on(event: string, fn: (conn: EslConnection, id: string) => void): void;
}
const require = createRequire(import.meta.url);
const esl = require("modesl") as { Server: new (opts: { server: Server; myevents?: boolean }) => EslServer };

let sims: SwitchSimulator[] = [];
let servers: Server[] = [];
let sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets) s.destroy();
  for (const s of sims) await s.stop();
  for (const srv of servers) await new Promise<void>((r) => srv.close(() => r()));
  sims = [];
  servers = [];
  sockets = [];
});

async function startSim(scenario?: ConstructorParameters<typeof SwitchSimulator>[0]): Promise<SwitchSimulator> {
  const sim = new SwitchSimulator({ port: 0, timeScale: 0.02, ...scenario });
  sims.push(sim);
  await sim.start();
  return sim;
}

/** A listening app server; resolves each accepted socket as a RawEslClient. */
async function rawAppServer(): Promise<{ port: number; next: () => Promise<RawEslClient> }> {
  const pending: RawEslClient[] = [];
  const waiters: Array<(c: RawEslClient) => void> = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const c = new RawEslClient(socket);
    const w = waiters.shift();
    if (w) w(c);
    else pending.push(c);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    next: () => new Promise((resolve) => (pending.length ? resolve(pending.shift()!) : waiters.push(resolve))),
  };
}

function ev(frame: RawFrame) {
  return parsePlainEvent(frame.body);
}

function value(frame: RawFrame, name: string): string | undefined {
  return ev(frame).headers.find(([n]) => n === name)?.[1];
}

async function reply(c: RawEslClient, command: string): Promise<string | undefined> {
  c.send(command);
  const f = await c.waitFor((x) => header(x, "Content-Type") === "command/reply" || header(x, "Content-Type") === "api/response");
  return header(f, "Reply-Text") ?? f.body;
}

describe("outbound socket with modesl esl.Server", () => {
  test("CHANNEL_DATA on connect, myevents, linger, execute, then the linger notice after hangup", async () => {
    const sim = await startSim({ scenario: { files: ["/tmp/welcome.wav"] } });
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    server.on("connection", (s) => sockets.push(s));
    const app = new esl.Server({ server, myevents: true });
    const ready = new Promise<EslConnection>((resolve) => app.on("connection::ready", (conn) => resolve(conn)));
    const port = (server.address() as { port: number }).port;

    const uuid = await sim.placeInboundCall({ from: "5553000", fromName: "Alice", to: "2000", socket: { host: "127.0.0.1", port } });
    const conn = await ready;
    conn.on("error", () => undefined);
    const events: EslEvent[] = [];
    const notices: EslEvent[] = [];
    conn.on("esl::event::**", function (e: EslEvent) {
      if (this.event.includes("disconnect::notice")) notices.push(e);
      else if (!this.event.includes("command::reply") && e.getHeader("Event-Name")) events.push(e);
    });

    const info = conn.getInfo()!;
    expect(info.getHeader("Event-Name")).toBe("CHANNEL_DATA");
    expect(info.getHeader("Unique-ID")).toBe(uuid);
    expect(info.getHeader("Caller-Caller-ID-Number")).toBe("5553000");
    expect(info.getHeader("Caller-Caller-ID-Name")).toBe("Alice");
    expect(info.getHeader("Caller-Destination-Number")).toBe("2000");
    expect(info.getHeader("Socket-Mode")).toBe("async");
    expect(info.getHeader("Control")).toBe("full");
    expect(info.getHeader("Channel-Call-State")).toBe("RINGING");

    const lingerReply = await new Promise<EslEvent>((resolve) => conn.sendRecv("linger", resolve));
    expect(lingerReply.getHeader("Reply-Text")).toBe("+OK will linger");

    const answered = await new Promise<EslEvent>((resolve) => conn.execute("answer", "", resolve));
    expect(answered.getHeader("Application")).toBe("answer");
    expect(answered.getHeader("Channel-Call-State")).toBe("ACTIVE");
    const played = await new Promise<EslEvent>((resolve) => conn.execute("playback", "/tmp/welcome.wav", resolve));
    expect(played.getHeader("Application-Response")).toBe("FILE PLAYED");

    expect(sim.hangup(uuid)).toBe(true);
    const notice = await (async () => {
      for (let i = 0; i < 500 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      return notices[0];
    })();
    expect(notice?.getHeader("Content-Disposition")).toBe("linger");
    expect(notice?.getHeader("Controlled-Session-UUID")).toBe(uuid);
    const complete = events.find((e) => e.getHeader("Event-Name") === "CHANNEL_HANGUP_COMPLETE");
    expect(complete?.getHeader("Hangup-Cause")).toBe("NORMAL_CLEARING");
    expect(events.every((e) => e.getHeader("Unique-ID") === uuid)).toBe(true);
    conn.disconnect();
  });
});

describe("outbound socket, raw bytes", () => {
  test("connect → CHANNEL_DATA as the reply headers; myevents; linger notice; exit", async () => {
    const sim = await startSim({ hostname: "vm" });
    const app = await rawAppServer();
    const inbound = await RawEslClient.connect(sim.port);
    sockets.push(inbound.socket);
    await inbound.next();
    inbound.send("auth ClueCon\n\nevent plain CHANNEL_CREATE CHANNEL_DESTROY\n\n");

    const uuidPromise = sim.placeInboundCall({
      from: "5553000",
      to: "2000",
      socket: { host: "127.0.0.1", port: app.port },
      // 200 ms at timeScale 0.02: room for the commands below on a loaded machine.
      script: { hangupAfterMs: 10_000 },
    });
    const c = await app.next();
    const uuid = await uuidPromise;
    // FreeSWITCH says nothing until the app speaks.
    await new Promise((r) => setTimeout(r, 20));
    expect(c.rawText()).toBe("");

    c.send("connect\n\n");
    const data = await c.next();
    expect(header(data, "Content-Length")).toBeUndefined();
    expect(data.raw).toStartWith("Event-Name: CHANNEL_DATA\nCore-UUID: ");
    expect(data.raw).toEndWith("\nContent-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n");
    const names = data.headers.map(([n]) => n);
    expect(names.slice(13, 16)).toEqual(["Channel-Direction", "Channel-Logical-Direction", "Channel-Username"]);
    expect(names.indexOf("Channel-State")).toBeGreaterThan(names.indexOf("Channel-Privacy-Hide-Number"));
    expect(names.indexOf("variable_socket_host")).toBeGreaterThan(names.indexOf("Caller-Privacy-Hide-Number"));
    expect(header(data, "variable_current_application")).toBe("socket");
    expect(header(data, "variable_current_application_data")).toBe(`127.0.0.1%3A${app.port}%20async%20full`);

    expect(await reply(c, "myevents\n\n")).toBe("+OK Events Enabled");
    expect(await reply(c, "myevents\n\n")).toBe("-ERR aready enabled.");
    expect(await reply(c, "linger\n\n")).toBe("+OK will linger");
    expect(await reply(c, "getvar sip_req_user\n\n")).toBe("2000");
    expect(await reply(c, "getvar no_such_var\n\n")).toBe("-ERR command not found");
    expect(await reply(c, `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: answer\n\n`)).toBe("+OK");
    const answer = await c.waitFor((f) => value(f, "Event-Name") === "CHANNEL_EXECUTE_COMPLETE");
    expect(value(answer, "Application")).toBe("answer");
    expect(value(answer, "Application-Response")).toBe("_none_");

    // The caller hangs up (scripted): events up to HANGUP_COMPLETE, then the linger notice.
    const notice = await c.waitFor((f) => header(f, "Content-Type") === "text/disconnect-notice", 10_000);
    expect(notice.raw).toBe(
      `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${uuid}\nContent-Disposition: linger\nChannel-Name: sofia/internal/5553000@127.0.0.1\nLinger-Time: -1\nContent-Length: 0\n\n`,
    );
    const before = c.frames.slice(0, c.frames.indexOf(notice)).filter((f) => header(f, "Content-Type") === "text/event-plain");
    expect(value(before[before.length - 1]!, "Event-Name")).toBe("CHANNEL_HANGUP_COMPLETE");
    // While the app lingers the session is held: CHANNEL_DESTROY waits for it.
    await new Promise((r) => setTimeout(r, 30));
    expect(inbound.frames.some((f) => header(f, "Content-Type") === "text/event-plain" && value(f, "Event-Name") === "CHANNEL_DESTROY")).toBe(false);

    c.send("exit\n\n");
    await c.closedPromise;
    expect(c.rawText()).toEndWith(
      `Content-Type: command/reply\nReply-Text: +OK bye\n\nContent-Type: text/disconnect-notice\nControlled-Session-UUID: ${uuid}\nContent-Disposition: disconnect\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n`,
    );
    const destroy = await inbound.waitForEvent("CHANNEL_DESTROY");
    expect(value(destroy, "Unique-ID")).toBe(uuid);
    expect(sim.channelCount()).toBe(0);
  });

  test("without linger the switch sends the disconnect notice and closes when the call ends", async () => {
    const sim = await startSim();
    const app = await rawAppServer();
    const uuidPromise = sim.placeInboundCall({ from: "100", to: "200", socket: { host: "127.0.0.1", port: app.port } });
    const c = await app.next();
    const uuid = await uuidPromise;
    c.send("connect\n\n");
    await c.next();
    expect(await reply(c, "myevents\n\n")).toBe("+OK Events Enabled");
    sim.hangup(uuid, "USER_BUSY");
    await c.closedPromise;
    const notice = c.frames[c.frames.length - 1]!;
    expect(header(notice, "Content-Disposition")).toBe("disconnect");
    expect(header(notice, "Controlled-Session-UUID")).toBe(uuid);
    const names = c.frames.filter((f) => header(f, "Content-Type") === "text/event-plain").map((f) => value(f, "Event-Name"));
    expect(names).toContain("CHANNEL_HANGUP");
    expect(names).not.toContain("CHANNEL_HANGUP_COMPLETE");
  });

  test("linger N: the switch closes the session N seconds after the call ends", async () => {
    const sim = await startSim();
    const app = await rawAppServer();
    const uuidPromise = sim.placeInboundCall({ from: "100", to: "200", socket: { host: "127.0.0.1", port: app.port } });
    const c = await app.next();
    const uuid = await uuidPromise;
    c.send("connect\n\n");
    await c.next();
    expect(await reply(c, "linger 0\n\n")).toBe("+OK will linger 0 seconds");
    sim.hangup(uuid);
    await c.closedPromise;
    const notices = c.frames.filter((f) => header(f, "Content-Type") === "text/disconnect-notice");
    expect(notices.map((f) => header(f, "Content-Disposition"))).toEqual(["linger", "disconnect"]);
    expect(header(notices[0]!, "Linger-Time")).toBe("0");
  });

  test("async without full accepts only the session commands", async () => {
    const sim = await startSim();
    const app = await rawAppServer();
    const uuidPromise = sim.placeInboundCall({ from: "100", to: "200", socket: { host: "127.0.0.1", port: app.port }, mode: "async" });
    const c = await app.next();
    const uuid = await uuidPromise;
    c.send("connect\n\n");
    const data = await c.next();
    expect(header(data, "Control")).toBe("single-channel");
    expect(await reply(c, "event plain ALL\n\n")).toBe("-ERR command not found");
    expect(await reply(c, "api status\n\n")).toBe("-ERR command not found");
    expect(await reply(c, "linger\n\n")).toBe("-ERR command not found");
    expect(await reply(c, "bgapi status\n\n")).toBe("-ERR command not found");
    expect(await reply(c, "myevents\n\n")).toBe("+OK Events Enabled");
    expect(await reply(c, "divert_events on\n\n")).toBe("+OK events diverted");
    expect(await reply(c, "getvar sip_from_user\n\n")).toBe("100");
    expect(await reply(c, "sendmsg\ncall-command: execute\nexecute-app-name: answer\n\n")).toBe("+OK");
    expect(await reply(c, "sendmsg 00000000-0000-0000-0000-000000000000\ncall-command: hangup\n\n")).toBe(
      "-ERR invalid session id [00000000-0000-0000-0000-000000000000]",
    );
    expect(await reply(c, "resume\n\n")).toBe("+OK");
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("sendmsg takes a long argument from a text/plain body and the caller's DTMF arrives via myevents", async () => {
    const sim = await startSim({ scenario: { files: ["/tmp/a file with spaces.wav"] } });
    const app = await rawAppServer();
    const uuidPromise = sim.placeInboundCall({
      from: "100",
      to: "200",
      socket: { host: "127.0.0.1", port: app.port },
      script: { dtmf: [{ atMs: 10, digits: "7" }] },
    });
    const c = await app.next();
    await uuidPromise;
    c.send("connect\n\n");
    await c.next();
    await reply(c, "myevents\n\n");
    const arg = "/tmp/a file with spaces.wav";
    c.send(`sendmsg\ncall-command: execute\nexecute-app-name: answer\n\n`);
    c.send(`sendmsg\ncall-command: execute\nexecute-app-name: playback\nEvent-UUID: 12345678-aaaa-bbbb-cccc-1234567890ab\ncontent-type: text/plain\ncontent-length: ${Buffer.byteLength(arg)}\n\n${arg}`);
    const done = await c.waitFor((f) => value(f, "Event-Name") === "CHANNEL_EXECUTE_COMPLETE" && value(f, "Application") === "playback");
    expect(value(done, "Application-Data")).toBe("/tmp/a%20file%20with%20spaces.wav");
    expect(value(done, "Application-UUID")).toBe("12345678-aaaa-bbbb-cccc-1234567890ab");
    const dtmf = c.frames.find((f) => value(f, "Event-Name") === "DTMF");
    expect(dtmf && value(dtmf, "DTMF-Digit")).toBe("7");
  });
});
