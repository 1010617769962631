/**
 * The esl bench's figures and report: latency distributions, the live
 * phase's result shape, the ours-vs-stock table with its notes, and the
 * results file (bench/results/esl-<date>.json). Pure formatting of what the
 * live and replay phases measured; nothing here measures.
 */
import { cpus, platform, release } from "node:os";
import type { EslInboundClient } from "../../src/esl/index.ts";
import type { EventLoopLag } from "../../src/runtime/event-loop-lag.ts";
import type { ReplayResult } from "./esl-replay-phase.ts";
import { percentiles, printTable, round, writeResult } from "./stats.ts";

/** The run's shape, as bench/esl.ts read it from its flags. */
export interface EslParameters {
  channels: number;
  seconds: number;
  dtmfMs: number;
  playbackMs: number;
  formats: Array<"json" | "plain">;
  replayReps: number;
  captureCap: number;
  eventNames: string[];
  benchStartedAt: number;
}


export interface Dist {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

export function dist(samples: number[]): Dist {
  const p = percentiles(samples, [50, 95, 99]);
  let max = 0;
  for (const v of samples) if (v > max) max = v;
  return { p50: p.p50!, p95: p.p95!, p99: p.p99!, max, n: samples.length };
}

export interface LiveResult {
  format: "json" | "plain";
  originated: number;
  originateFailures: number;
  channelsUpSeconds: number;
  playbackRounds: number;
  elapsedSeconds: number;
  ours: {
    events: number;
    eventsPerSecond: number;
    fromChunk: Dist;
    fromStamp: Dist;
    fromSwitch: Dist;
    stampGapMs: Dist;
    bytes: number;
    chunks: number;
    counters: ReturnType<EslInboundClient["stats"]>;
  };
  stock: { events: number; eventsPerSecond: number; fromChunk: Dist; fromSwitch: Dist; bytes: number; chunks: number; parserErrors: number };
  processCpuMicrosPerEvent: number;
  eventLoopLagMs: ReturnType<EventLoopLag["snapshot"]>;
  allDestroyedSeen: boolean;
}

/** Print the table and notes, write the results file and say where. */
export async function reportEsl(p: EslParameters, live: LiveResult[], replay: ReplayResult[]): Promise<void> {
  const { channels, seconds, dtmfMs, playbackMs: PLAYBACK_MS, formats, replayReps, captureCap, eventNames: EVENT_NAMES, benchStartedAt } = p;
  const fmt = (n: number, d = 3) => (Number.isFinite(n) ? String(round(n, d)) : "n/a");
  const ratio = (ours: number, stock: number) => (stock > 0 && Number.isFinite(ours) ? `${fmt(ours / stock, 2)}×` : "n/a");
  const header = ["figure"];
  for (const f of formats) header.push(`ours ${f}`, `stock ${f}`, `ours/stock ${f}`);

  function row(label: string, pick: (l: LiveResult, r: ReplayResult) => [number, number] | [number, null] | [string, string], digits = 3): Array<string | number> {
    const cells: Array<string | number> = [label];
    formats.forEach((_, i) => {
      const [o, s] = pick(live[i]!, replay[i]!);
      if (typeof o === "string") cells.push(o, String(s), "");
      else if (s === null) cells.push(fmt(o, digits), "—", "");
      else cells.push(fmt(o, digits), fmt(s as number, digits), ratio(o, s as number));
    });
    return cells;
  }

  const rows: Array<Array<string | number>> = [
    row("live: events decoded → handler", (l) => [l.ours.events, l.stock.events], 0),
    row("live: events/s (the simulator's offered rate)", (l) => [l.ours.eventsPerSecond, l.stock.eventsPerSecond], 0),
    row("live: chunk arrival → handler p50 (ms)", (l) => [l.ours.fromChunk.p50, l.stock.fromChunk.p50]),
    row("live: chunk arrival → handler p95 (ms)", (l) => [l.ours.fromChunk.p95, l.stock.fromChunk.p95]),
    row("live: chunk arrival → handler p99 (ms)", (l) => [l.ours.fromChunk.p99, l.stock.fromChunk.p99]),
    row("live: chunk arrival → handler max (ms)", (l) => [l.ours.fromChunk.max, l.stock.fromChunk.max]),
    row("live: receivedAt → handler p50 (ms)", (l) => [l.ours.fromStamp.p50, null]),
    row("live: receivedAt → handler p95 (ms)", (l) => [l.ours.fromStamp.p95, null]),
    row("live: receivedAt → handler p99 (ms)", (l) => [l.ours.fromStamp.p99, null]),
    row("live: receivedAt → handler max (ms)", (l) => [l.ours.fromStamp.max, null]),
    row("live: receivedAt − chunk arrival p99 / max (µs)", (l) => [`${fmt(l.ours.stampGapMs.p99 * 1000, 1)} / ${fmt(l.ours.stampGapMs.max * 1000, 1)}`, "—"]),
    row("live: switch timestamp → handler p50 (ms)", (l) => [l.ours.fromSwitch.p50, l.stock.fromSwitch.p50]),
    row("live: switch timestamp → handler p95 (ms)", (l) => [l.ours.fromSwitch.p95, l.stock.fromSwitch.p95]),
    row("live: switch timestamp → handler p99 (ms)", (l) => [l.ours.fromSwitch.p99, l.stock.fromSwitch.p99]),
    row("live: switch timestamp → handler max (ms)", (l) => [l.ours.fromSwitch.max, l.stock.fromSwitch.max]),
    row("live: socket chunks / bytes (MB)", (l) => [`${l.ours.chunks} / ${fmt(l.ours.bytes / 1e6, 1)}`, `${l.stock.chunks} / ${fmt(l.stock.bytes / 1e6, 1)}`]),
    row("replay: capacity events/s (median)", (_, r) => [r.oursMedianEventsPerSecond, r.stockMedianEventsPerSecond], 0),
    row("replay: process CPU µs/event (median)", (_, r) => [r.oursMedianCpuMicrosPerEvent, r.stockMedianCpuMicrosPerEvent], 2),
    row("replay: events per run", (_, r) => [r.ours.map((x) => x.events).join("/"), r.stock.map((x) => x.events).join("/")]),
    row("process: event-loop lag p99 / max (ms), both clients", (l) => [`${fmt(l.eventLoopLagMs.p99, 2)} / ${fmt(l.eventLoopLagMs.max, 2)}`, ""]),
    row("process: CPU µs/event, both clients + driver", (l) => [l.processCpuMicrosPerEvent, null], 2),
    row("ours: skipped / unknown / malformed / dropped", (l) => {
      const c = l.ours.counters;
      return [`${c.skippedFrames} / ${c.unknownEvents} / ${c.malformedEvents} / ${c.droppedEvents}`, `parser errors ${l.stock.parserErrors}`];
    }),
    row("ours: socket pauses (queue high-water)", (l) => [l.ours.counters.pausedCount, null], 0),
    row("calls: up (s) / originate failures / playback rounds", (l) => [`${fmt(l.channelsUpSeconds, 2)} / ${l.originateFailures} / ${l.playbackRounds}`, ""]),
  ];

  const cpu0 = cpus()[0];
  printTable(
    `ESL layer vs stock modesl 1.2.1: ${channels} concurrent channels, ${seconds} s of DTMF every ${dtmfMs} ms + playback every ${PLAYBACK_MS} ms, then uuid_kill; ` +
      `${cpus().length} × ${cpu0?.model ?? "?"}, bun ${Bun.version}`,
    header,
    rows,
  );
  console.log(`
Notes:
 - ratios are ours/stock: above 1 is better for events/s, below 1 is better for latency and CPU.
 - "chunk arrival" is the socket's 'data' emit, stamped by a wrapper this bench puts on each socket's emit
   (src/ unchanged). "receivedAt" is the guarded parser's stamp: performance.now() taken once per chunk on
   entry to its 'data' handler, before framing; every event framed from that chunk carries it (the max gap
   to the wrapper's stamp is shown above), so it marks chunk arrival, not the moment that event was framed.
 - "switch timestamp" is the event's Event-Date-Timestamp, written by the simulator (another process, same
   machine clock, ±1 ms offset: it anchors on Date.now()). Unlike chunk arrival it includes the time bytes waited
   in the simulator and the kernel while this process's event loop was busy.
 - ours = guarded parser + typed decode + bounded queue + onEvent; stock = modesl Parser + Event + Connection's
   wildcard emit to an 'esl::event::**' handler reading Event-Name and Unique-ID. Both listen at once, in one process,
   so each one's latency includes the other's work on the same event loop.
 - live events/s is what the simulator offered; capacity is the replay phase: the bytes our client received live,
   resent from an in-process server as fast as TCP takes them, one client at a time (CPU includes the server's writes).
 - our live count excludes frames the client consumes itself (none here: no api/bgapi on these connections).`);

  const path = await writeResult("esl", {
    machine: { cpu: cpu0?.model, cores: cpus().length, os: `${platform()} ${release()}`, bun: Bun.version },
    parameters: { channels, seconds, dtmfMs, playbackMs: PLAYBACK_MS, formats, replayReps, captureCapBytes: captureCap, events: EVENT_NAMES },
    live,
    replay,
    ratios: Object.fromEntries(
      formats.map((f, i) => {
        const l = live[i]!;
        const r = replay[i]!;
        return [
          f,
          {
            liveEventsPerSecond: l.ours.eventsPerSecond / l.stock.eventsPerSecond,
            chunkToHandlerP50: l.ours.fromChunk.p50 / l.stock.fromChunk.p50,
            chunkToHandlerP95: l.ours.fromChunk.p95 / l.stock.fromChunk.p95,
            chunkToHandlerP99: l.ours.fromChunk.p99 / l.stock.fromChunk.p99,
            chunkToHandlerMax: l.ours.fromChunk.max / l.stock.fromChunk.max,
            switchToHandlerP50: l.ours.fromSwitch.p50 / l.stock.fromSwitch.p50,
            switchToHandlerP99: l.ours.fromSwitch.p99 / l.stock.fromSwitch.p99,
            replayCapacityEventsPerSecond: r.oursMedianEventsPerSecond / r.stockMedianEventsPerSecond,
            replayCpuPerEvent: r.oursMedianCpuMicrosPerEvent / r.stockMedianCpuMicrosPerEvent,
          },
        ];
      }),
    ),
    totalSeconds: (performance.now() - benchStartedAt) / 1000,
  });
  console.log(`\nwrote ${path} (bench took ${fmt((performance.now() - benchStartedAt) / 1000, 1)} s)`);
}
