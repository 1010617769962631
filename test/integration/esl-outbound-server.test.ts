/**
 * EslOutboundServer against a raw TCP peer that plays FreeSWITCH's outbound
 * side (the dialplan `socket 127.0.0.1:<port> async full` app): it connects,
 * answers `connect` with the real CHANNEL_DATA reply of fixture 01, answers
 * `myevents` / `linger` like FreeSWITCH, and replays the session's events.
 */
import { afterEach, describe, expect, test } from "bun:test";
import net, { type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EslOutboundServer, type ChannelEvent, type OutboundSession } from "../../src/esl/index.ts";

const TRACES = join(import.meta.dir, "../fixtures/esl-traces");
const fixture = (name: string): string => readFileSync(join(TRACES, name), "latin1");

const CONNECT_REPLY = fixture("01-NEventSocket-outbound-connect-reply-CHANNEL_DATA.txt");
const ANSWER = fixture("03-NEventSocket-CHANNEL_ANSWER-event-plain.txt");
const EXECUTE_COMPLETE = (() => {
  const text = fixture("04-NEventSocket-CHANNEL_EXECUTE_COMPLETE-playback-event-plain.txt");
  return text.slice(text.indexOf("Content-Length:")); // drop the leading "+OK" reply
})();
const BRIDGE = fixture("06-NEventSocket-CHANNEL_BRIDGE-event-plain.txt");
const LINGER_NOTICE = fixture("07-NEventSocket-linger-disconnect-notice.txt");
const EXIT_REPLY = fixture("08-NEventSocket-exit-reply-and-final-disconnect-notice.txt");
const OTHER_CHANNEL_EVENT = fixture("13-cgrates-fsock-CHANNEL_EXECUTE_COMPLETE-event-plain.txt");
const CALL_UUID = "78b86350-4fb8-4d2b-a629-1eeafd7d2f74";
const FIXTURE_APP_UUID = "5bb2b6da-8032-44cb-8bd9-5f27b5109d2f";

function reply(text: string): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n\n`;
}

type Answerer = (command: string, socket: Socket) => void;

/** FreeSWITCH's outbound side: connect to the app, send `connect` replies etc. as the script says. */
function playFreeSwitch(port: number, answer: Answerer): { socket: Socket; commands: string[]; closed: Promise<void> } {
  const socket = net.connect({ host: "127.0.0.1", port });
  const commands: string[] = [];
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let buffered = "";
  socket.on("data", (chunk) => {
    buffered += chunk.toString("latin1");
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const command = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      commands.push(command);
      answer(command, socket);
    }
  });
  return { socket, commands, closed };
}

/** Answers like FreeSWITCH 1.10 in `async full` mode. */
function standardAnswers(command: string, socket: Socket): boolean {
  const first = command.split("\n", 1)[0]!;
  if (first === "connect") socket.write(CONNECT_REPLY, "latin1");
  else if (first.startsWith("event json")) socket.write(reply("+OK event listener enabled json"));
  else if (first === "myevents") socket.write(reply("+OK Events Enabled"));
  else if (first === "linger") socket.write(reply("+OK will linger"));
  else if (first === "api status") socket.write("Content-Type: api/response\nContent-Length: 9\n\nUP 0 days");
  else if (first === "exit") {
    socket.write(EXIT_REPLY, "latin1");
    socket.end();
  } else return false;
  return true;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startServer(opts: ConstructorParameters<typeof EslOutboundServer>[0] = {}): Promise<{ server: EslOutboundServer; port: number }> {
  const server = new EslOutboundServer(opts);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => server.close());
  return { server, port };
}

function nextSession(server: EslOutboundServer): Promise<OutboundSession> {
  return new Promise((resolve) => server.once("channel", resolve));
}

describe("EslOutboundServer", () => {
  test("handshake (connect → myevents → linger), execute, this channel's events, linger notice → exit", async () => {
    const { server, port } = await startServer();
    const sessionP = nextSession(server);
    const peer = playFreeSwitch(port, (command, socket) => {
      if (standardAnswers(command, socket)) return;
      if (command.startsWith("sendmsg ")) {
        const appUuid = /Event-UUID: (\S+)/.exec(command)![1]!;
        socket.write(reply("+OK"));
        socket.write(ANSWER, "latin1");
        socket.write(OTHER_CHANNEL_EVENT, "latin1"); // another channel's event: not this session's
        socket.write(EXECUTE_COMPLETE.replace(FIXTURE_APP_UUID, appUuid), "latin1");
        socket.write(BRIDGE, "latin1");
        socket.write(LINGER_NOTICE, "latin1");
      }
    });
    cleanups.push(() => void peer.socket.destroy());

    const session = await sessionP;
    expect(session.uuid).toBe(CALL_UUID);
    expect(session.channelData.kind).toBe("channel.data");
    expect(session.channelData.callerIdName).toBe("Dan X-Lite");
    expect(session.channelData.destinationNumber).toBe("3");
    expect(session.channelData.variables.socket_host).toBe("127.0.0.1");

    const events: ChannelEvent[] = [];
    session.onEvent((e) => void events.push(e));
    expect(await session.api("status")).toBe("UP 0 days");
    const appUuid = await session.execute("playback", "ivr/8000/ivr-call_being_transferred.wav");

    await session.closed;
    await peer.closed;
    expect(events.map((e) => e.kind)).toEqual(["channel.answer", "channel.execute_complete", "channel.bridge"]);
    const complete = events[1]!;
    expect(complete.kind === "channel.execute_complete" && complete.applicationUuid).toBe(appUuid);
    expect(complete.kind === "channel.execute_complete" && complete.applicationResponse).toBe("FILE PLAYED");
    expect(peer.commands.map((c) => c.split("\n", 1)[0])).toEqual([
      "connect",
      "event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE",
      "myevents",
      "linger",
      "api status",
      `sendmsg ${CALL_UUID}`,
      "exit",
    ]);
    expect(peer.commands[5]).toBe(
      `sendmsg ${CALL_UUID}\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ivr/8000/ivr-call_being_transferred.wav\nEvent-UUID: ${appUuid}`,
    );
  });

  test("a connect reply without channel data fails the handshake: logged, closed, no crash", async () => {
    const { server, port } = await startServer();
    let announced = 0;
    server.on("channel", () => announced++);
    const peer = playFreeSwitch(port, (command, socket) => {
      if (command === "connect") socket.write(reply("+OK"));
      else standardAnswers(command, socket);
    });
    await peer.closed;
    expect(announced).toBe(0);
    expect(server.stats().handshakeFailures).toBe(1);
  });

  test("-ERR to myevents (no `full`/session) fails the handshake and closes the connection", async () => {
    const { server, port } = await startServer();
    const peer = playFreeSwitch(port, (command, socket) => {
      if (command === "myevents") socket.write(reply("-ERR aready enabled."));
      else standardAnswers(command, socket);
    });
    await peer.closed;
    expect(server.stats().handshakeFailures).toBe(1);
    expect(peer.commands).not.toContain("linger");
  });

  test("a peer that never answers `connect` is dropped after the handshake timeout; garbage does not crash", async () => {
    const { server, port } = await startServer({ handshakeTimeoutMs: 100 });
    const peer = playFreeSwitch(port, (_command, socket) => {
      socket.write(Buffer.from("\x00\xffnot an ESL frame at all\n\n", "latin1"));
    });
    await peer.closed;
    expect(server.stats().handshakeFailures).toBe(1);
    expect(server.stats().sessions).toBe(0);
  });

  test("close() exits live sessions and stops listening", async () => {
    const server = new EslOutboundServer();
    const { port } = await server.listen();
    const sessionP = nextSession(server);
    const peer = playFreeSwitch(port, (command, socket) => void standardAnswers(command, socket));
    const session = await sessionP;
    await server.close();
    await session.closed;
    await peer.closed;
    expect(peer.commands.at(-1)).toBe("exit");
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
