/**
 * The outbound socket (where the dialplan's `socket` app hands us inbound
 * calls) against someone who is not the switch: a source outside the
 * allow-list, a forged CHANNEL_DATA (wrong, missing or right Core-UUID with a
 * channel the switch does not have), a flood of sessions, a connection rate
 * beyond the limit and peers that buffer without end — while real inbound
 * calls from the simulator and outbound calls through the API keep working.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { startHarness, type Harness } from "../support/switchboard.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
const CONNECT_REPLY = readFileSync(join(import.meta.dir, "../fixtures/esl-traces/01-NEventSocket-outbound-connect-reply-CHANNEL_DATA.txt"), "latin1");
const FIXTURE_CORE_UUID = "8694f653-55e0-42ed-98d8-4983e2b6d248";
const FIXTURE_UUID = "78b86350-4fb8-4d2b-a629-1eeafd7d2f74";

/** The real CHANNEL_DATA of fixture 01, claiming another Core-UUID (null: none at all) and channel. */
function forgedConnectReply(coreUuid: string | null, uuid: string): string {
  const withUuid = CONNECT_REPLY.replaceAll(FIXTURE_UUID, uuid);
  if (coreUuid === null) return withUuid.replace(/^Core-UUID: .*\n/m, "").replace(/^variable_Core-UUID: .*\n/m, "");
  return withUuid.replaceAll(FIXTURE_CORE_UUID, coreUuid);
}

interface Peer {
  commands: string[];
  received: number;
  closed: Promise<void>;
  isClosed(): boolean;
  socket: net.Socket;
}

/** Plays FreeSWITCH's outbound side: connect to the app, then answer its commands as `answer` says. */
function connectPeer(port: number, answer: (command: string, socket: net.Socket) => void = () => {}): Peer {
  const socket = net.connect({ host: "127.0.0.1", port });
  const commands: string[] = [];
  let received = 0;
  let closed = false;
  socket.on("error", () => {});
  const closedP = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  let buffered = "";
  socket.on("data", (chunk) => {
    received += chunk.length;
    buffered += chunk.toString("latin1");
    let end: number;
    while ((end = buffered.indexOf("\n\n")) !== -1) {
      const command = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      commands.push(command);
      answer(command, socket);
    }
  });
  return {
    commands,
    get received() {
      return received;
    },
    closed: closedP,
    isClosed: () => closed,
    socket,
  };
}

/** A forged switch: answers `connect` with the given CHANNEL_DATA and everything else with +OK. */
function forgeSession(port: number, connectReply: string): Peer {
  return connectPeer(port, (command, socket) => {
    const first = command.split("\n", 1)[0]!;
    if (first === "connect") socket.write(connectReply, "latin1");
    else socket.write(`Content-Type: command/reply\nReply-Text: +OK\n\n`);
  });
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function refusedCount(h: Harness, reason: string): Promise<number> {
  const text = (await h.api("GET", "/metrics")).body as string;
  const line = text.split("\n").find((l) => l.startsWith(`switchboard_outbound_socket_refused_total{reason="${reason}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

async function realInboundCallCompletes(h: Harness): Promise<void> {
  const uuid = await h.sim.placeInboundCall({ from: "+15557654321", to: "5500", socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort } });
  const call = await h.waitForCall(uuid, (c) => FINAL.has(c.status));
  expect(call.direction).toBe("inbound");
  expect(call.status).toBe("completed");
}

async function outboundCallIsPlaced(h: Harness): Promise<void> {
  const r = await h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
  expect(r.status).toBe(201);
  await h.api("DELETE", `/v1/calls/${r.body.id}`);
  await h.waitForCall(r.body.id, (c) => FINAL.has(c.status));
}

const peers: Peer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.socket.destroy();
});
const track = (p: Peer) => (peers.push(p), p);

describe("outbound socket: only the switch's addresses", () => {
  let h: Harness;
  beforeAll(async () => {
    // The test runs on loopback: an allow-list without it stands for "not the switch's address".
    h = await startHarness({ db: "postgres", env: { OUTBOUND_SOCKET_ALLOW: "10.0.0.0/8, 192.0.2.7" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("a connection from elsewhere is closed unread, counted, and never becomes a call", async () => {
    const peer = track(connectPeer(h.sb.outboundSocketPort));
    await within(2000, "the refused connection to close", peer.closed);
    expect(peer.received).toBe(0); // not even modesl's `connect`

    const uuid = await h.sim.placeInboundCall({ from: "+15557654321", to: "5500", socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort } });
    await Bun.sleep(200);
    expect((await h.api("GET", `/v1/calls/${uuid}`)).status).toBe(404);
    expect(await refusedCount(h, "source_not_allowed")).toBe(2);
    await outboundCallIsPlaced(h);
  });
});

describe("outbound socket: only sessions the switch really made", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      db: "postgres",
      env: { MAX_CONCURRENT_CALLS: "5", OUTBOUND_SOCKET_RATE: "10000", OUTBOUND_SOCKET_MAX_BUFFER_BYTES: "262144" },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("the simulator stamps CHANNEL_DATA with the Core-UUID of its inbound link, and its calls pass", async () => {
    expect(h.sb.link.coreUuid).toBe(h.sim.core.coreUuid);
    await realInboundCallCompletes(h);
  });

  test("a CHANNEL_DATA with another switch's Core-UUID, or none, is refused before myevents", async () => {
    const wrongId = randomUUID();
    const wrong = track(forgeSession(h.sb.outboundSocketPort, forgedConnectReply(FIXTURE_CORE_UUID, wrongId)));
    const missingId = randomUUID();
    const missing = track(forgeSession(h.sb.outboundSocketPort, forgedConnectReply(null, missingId)));
    await within(2000, "the forged sessions to be closed", Promise.all([wrong.closed, missing.closed]));

    for (const peer of [wrong, missing]) expect(peer.commands.some((c) => c.startsWith("myevents"))).toBe(false);
    expect((await h.api("GET", `/v1/calls/${wrongId}`)).status).toBe(404);
    expect((await h.api("GET", `/v1/calls/${missingId}`)).status).toBe(404);
    expect(await refusedCount(h, "wrong_core_uuid")).toBe(1);
    expect(await refusedCount(h, "missing_core_uuid")).toBe(1);
    await realInboundCallCompletes(h);
    await outboundCallIsPlaced(h);
  });

  test("the right Core-UUID with a channel the switch does not have is refused too", async () => {
    const ghost = randomUUID();
    const peer = track(forgeSession(h.sb.outboundSocketPort, forgedConnectReply(h.sim.core.coreUuid, ghost)));
    await within(2000, "the forged session to be closed", peer.closed);
    expect((await h.api("GET", `/v1/calls/${ghost}`)).status).toBe(404);
    expect(await refusedCount(h, "unknown_channel")).toBe(1);
  });

  test("a flood of forged sessions takes no call slots: POST /v1/calls still answers 201", async () => {
    const flood = Array.from({ length: 200 }, () => track(forgeSession(h.sb.outboundSocketPort, forgedConnectReply(FIXTURE_CORE_UUID, randomUUID()))));
    // Every session has had its say (refused, or adopted as a call had it got through).
    await Promise.race([Promise.all(flood.map((p) => p.closed)), Bun.sleep(1500)]);

    const placed = await Promise.all(Array.from({ length: 5 }, () => h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" })));
    expect(placed.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(flood.every((p) => p.isClosed())).toBe(true);
    expect(h.sb.runtime.liveCountOf("inbound")).toBe(0);
    for (const r of placed) await h.api("DELETE", `/v1/calls/${r.body.id}`);
    for (const r of placed) await h.waitForCall(r.body.id, (c) => FINAL.has(c.status));
  });

  test("a peer that sends more than the handshake allows before it is recognised is closed at once", async () => {
    const peer = track(connectPeer(h.sb.outboundSocketPort));
    // A header block that never ends: the parser alone would hold up to 1 MiB of it for 5 s.
    peer.socket.write("Event-Name: CHANNEL_DATA\n" + `variable_x: ${"a".repeat(100)}\n`.repeat(1000));
    await within(1000, "the oversized handshake to be closed", peer.closed);
    expect(await refusedCount(h, "handshake_too_large")).toBe(1);
  });

  test("what all sessions buffer is capped in total; sessions over it are closed, the rest live on", async () => {
    // 8 × 56 KB: each under the 64 KiB handshake cap, together over the 256 KiB total.
    const hoarders = Array.from({ length: 8 }, () => track(connectPeer(h.sb.outboundSocketPort)));
    await Bun.sleep(100);
    for (const p of hoarders) p.socket.write("Event-Name: CHANNEL_DATA\n" + `variable_x: ${"b".repeat(100)}\n`.repeat(500));
    await Bun.sleep(500);
    const closed = hoarders.filter((p) => p.isClosed()).length;
    expect(closed).toBeGreaterThanOrEqual(4);
    expect(closed).toBeLessThan(8);
    expect(h.sb.outbound.stats().bufferedBytes).toBeLessThanOrEqual(262_144);
    expect(await refusedCount(h, "buffer_full")).toBe(closed);
    for (const p of hoarders) p.socket.destroy();
    await Bun.sleep(50);
    await realInboundCallCompletes(h);
  });
});

describe("outbound socket: connection rate per source", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ db: "postgres", env: { OUTBOUND_SOCKET_RATE: "5" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("beyond OUTBOUND_SOCKET_RATE a second, connections are closed at once; the switch gets back in after", async () => {
    const burst = Array.from({ length: 30 }, () => track(connectPeer(h.sb.outboundSocketPort)));
    await Bun.sleep(300);
    const refused = burst.filter((p) => p.isClosed() && p.received === 0).length;
    expect(refused).toBeGreaterThanOrEqual(20);
    expect(await refusedCount(h, "rate_limited")).toBe(refused);
    for (const p of burst) p.socket.destroy();
    await Bun.sleep(1000); // the bucket refills
    await realInboundCallCompletes(h);
  });
});

describe("inbound calls have their own limit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      db: "postgres",
      // A greeting long enough to keep inbound calls up for the whole test.
      env: { MAX_CONCURRENT_CALLS: "3", MAX_INBOUND_CALLS: "2", INBOUND_GREETING: "Please hold. ".repeat(400) },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("inbound calls beyond MAX_INBOUND_CALLS are hung up, and never make POST /v1/calls answer 429", async () => {
    const socket = { host: "127.0.0.1", port: h.sb.outboundSocketPort };
    const first = await h.sim.placeInboundCall({ from: "+15557650001", to: "5500", socket });
    const second = await h.sim.placeInboundCall({ from: "+15557650002", to: "5500", socket });
    await h.waitForCall(first, (c) => c.status === "in-progress");
    await h.waitForCall(second, (c) => c.status === "in-progress");
    const third = await h.sim.placeInboundCall({ from: "+15557650003", to: "5500", socket });
    const deadline = Date.now() + 3000;
    while (h.sim.core.channels.get(third)?.isUp && Date.now() < deadline) await Bun.sleep(20);
    expect(h.sim.core.channels.get(third)?.isUp ?? false).toBe(false);
    expect((await h.api("GET", `/v1/calls/${third}`)).status).toBe(404);

    const placed = await Promise.all(Array.from({ length: 4 }, () => h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" })));
    expect(placed.map((r) => r.status).sort()).toEqual([201, 201, 201, 429]);
    for (const r of placed.filter((r) => r.status === 201)) await h.api("DELETE", `/v1/calls/${r.body.id}`);
    await h.api("DELETE", `/v1/calls/${first}`);
    await h.api("DELETE", `/v1/calls/${second}`);
  });
});
