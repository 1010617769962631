/**
 * The esl bench's replay phase: the exact bytes our client received live are
 * resent from an in-process socket server as fast as TCP takes them, to each
 * client in turn: decode capacity (events/s) and CPU per event when the
 * switch is not the bottleneck. Separate from the live phase in bench/esl.ts,
 * which needs the simulator; this needs only the recording.
 */
import { EslInboundClient } from "../../src/esl/index.ts";
import { startReplayServer } from "./esl-replay-server.ts";
import { EVENT_NAMES, HOST, PASSWORD, Stock, stopStock } from "./esl-listeners.ts";


export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

export interface ReplayRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
}

/** Wait until `count()` has not moved for `quietMs` (or `maxMs` passed). */
export async function settle(count: () => number, quietMs = 400, maxMs = 60_000): Promise<void> {
  const start = performance.now();
  let last = -1;
  let lastChange = performance.now();
  while (performance.now() - start < maxMs) {
    await Bun.sleep(25);
    const c = count();
    if (c !== last) {
      last = c;
      lastChange = performance.now();
    } else if (c > 0 && performance.now() - lastChange >= quietMs) return;
  }
}

export async function replayOurs(recording: Buffer): Promise<ReplayRun> {
  const server = await startReplayServer();
  const client = new EslInboundClient({ host: HOST, port: server.port, password: PASSWORD, events: EVENT_NAMES });
  let events = 0;
  let lastAt = 0;
  client.onEvent(() => {
    events++;
    lastAt = performance.now();
  });
  await client.start();
  const cpu0 = process.cpuUsage();
  const t0 = server.blast(recording);
  await settle(() => events);
  const cpu = process.cpuUsage(cpu0);
  await client.stop();
  await server.close();
  const seconds = (lastAt - t0) / 1000;
  return { events, seconds, eventsPerSecond: events / seconds, cpuMicrosPerEvent: (cpu.user + cpu.system) / events };
}

export async function replayStock(recording: Buffer): Promise<ReplayRun> {
  const server = await startReplayServer();
  const conn = new Stock.Connection(HOST, server.port, PASSWORD);
  conn.on("error", () => {});
  let events = 0;
  let lastAt = 0;
  conn.on("esl::event::**", (event: { getHeader(name: string): unknown }, headers: Record<string, unknown> | undefined) => {
    const ct = headers?.["Content-Type"];
    if (ct !== "text/event-json" && ct !== "text/event-plain") return;
    event.getHeader("Event-Name");
    event.getHeader("Unique-ID");
    events++;
    lastAt = performance.now();
  });
  await new Promise<void>((resolve) => conn.once("esl::ready", () => resolve()));
  await new Promise<void>((resolve) => conn.events("json", EVENT_NAMES, () => resolve()));
  const cpu0 = process.cpuUsage();
  const t0 = server.blast(recording);
  await settle(() => events);
  const cpu = process.cpuUsage(cpu0);
  await stopStock(conn);
  await server.close();
  const seconds = (lastAt - t0) / 1000;
  return { events, seconds, eventsPerSecond: events / seconds, cpuMicrosPerEvent: (cpu.user + cpu.system) / events };
}

export interface ReplayResult {
  format: "json" | "plain";
  recordingBytes: number;
  ours: ReplayRun[];
  stock: ReplayRun[];
  oursMedianEventsPerSecond: number;
  stockMedianEventsPerSecond: number;
  oursMedianCpuMicrosPerEvent: number;
  stockMedianCpuMicrosPerEvent: number;
}

/** `replayReps` runs per client, alternating who goes first. */
export async function replayRound(format: "json" | "plain", recording: Buffer, replayReps: number): Promise<ReplayResult> {
  const ours: ReplayRun[] = [];
  const stock: ReplayRun[] = [];
  for (let rep = 0; rep < replayReps; rep++) {
    // Alternate who goes first so neither always runs on a warmer (or more fragmented) heap.
    if (rep % 2 === 0) {
      ours.push(await replayOurs(recording));
      stock.push(await replayStock(recording));
    } else {
      stock.push(await replayStock(recording));
      ours.push(await replayOurs(recording));
    }
  }
  return {
    format,
    recordingBytes: recording.length,
    ours,
    stock,
    oursMedianEventsPerSecond: median(ours.map((r) => r.eventsPerSecond)),
    stockMedianEventsPerSecond: median(stock.map((r) => r.eventsPerSecond)),
    oursMedianCpuMicrosPerEvent: median(ours.map((r) => r.cpuMicrosPerEvent)),
    stockMedianCpuMicrosPerEvent: median(stock.map((r) => r.cpuMicrosPerEvent)),
  };
}
