/**
 * The ESL layer alone, against stock modesl 1.2.1 in the same run and process.
 *
 * Live phase (per event format, json then plain): the simulator, in its own
 * process, carries `--channels` concurrent calls that answer after 200 ms,
 * press a DTMF digit every `--dtmf-ms` and play a prompt every 2 s (sendmsg
 * from a driver connection) for `--seconds`, then are all killed (uuid_kill),
 * so hangup / hangup-complete / destroy flow too. Two listeners subscribe to
 * the same events in the same format:
 *   - ours: EslInboundClient (guarded parser → decode → bounded queue → onEvent);
 *   - stock: a plain modesl `esl.Connection` from an unpatched copy of modesl
 *     (bench/lib/stock-modesl.ts), handler on `esl::event::**`.
 * Both sockets' `emit("data")` are wrapped here (src/ untouched) to stamp each
 * chunk's arrival, so both are measured chunk-arrival → handler.
 *
 * Replay phase: the exact bytes our client received in the live phase are
 * replayed from an in-process socket server as fast as TCP takes them, to each
 * client in turn: the decode capacity (events/s) when the switch is not the
 * bottleneck, and the measuring process's CPU per event.
 *
 * The listeners and their taps are bench/lib/esl-listeners.ts, the replay
 * phase bench/lib/esl-replay-phase.ts, the table and results file
 * bench/lib/esl-report.ts.
 *
 *   bun run bench/esl.ts [--channels 1000] [--seconds 10] [--dtmf-ms 200] [--formats json,plain] [--replay-reps 3]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { EslInboundClient } from "../src/esl/index.ts";
import { EventLoopLag } from "../src/runtime/event-loop-lag.ts";
import { EVENT_NAMES, HOST, PASSWORD, newSamples, startOurProbe, startStockProbe, stopStock } from "./lib/esl-listeners.ts";
import { replayRound, type ReplayResult } from "./lib/esl-replay-phase.ts";
import { dist, reportEsl, type LiveResult } from "./lib/esl-report.ts";
import { startSimProcess } from "./lib/sim-process.ts";

const { values } = parseArgs({
  options: {
    channels: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    "dtmf-ms": { type: "string", default: "200" },
    formats: { type: "string", default: "json,plain" },
    "replay-reps": { type: "string", default: "3" },
    "capture-mb": { type: "string", default: "128" },
  },
});
const channels = Number(values.channels);
const seconds = Number(values.seconds);
const dtmfMs = Number(values["dtmf-ms"]);
const replayReps = Number(values["replay-reps"]);
const captureCap = Number(values["capture-mb"]) * 1024 * 1024;
const formats = String(values.formats)
  .split(",")
  .map((f) => f.trim())
  .filter((f): f is "json" | "plain" => f === "json" || f === "plain");
if (!(channels > 0) || !(seconds > 0) || !(dtmfMs > 0) || !(replayReps > 0) || formats.length === 0) {
  console.error("usage: bun run bench/esl.ts [--channels N] [--seconds S] [--dtmf-ms MS] [--formats json,plain] [--replay-reps R]");
  process.exit(2);
}

const PLAYBACK_MS = 2000;
const benchStartedAt = performance.now();

// ---------------------------------------------------------------- the simulator and driver

// Every callee answers fast and keeps pressing digits for the whole window: a dense channel-event stream.
const digitCount = Math.ceil((seconds * 1000 + 5000) / dtmfMs);
const digits = "1234567890".repeat(Math.ceil(digitCount / 10)).slice(0, digitCount);
const scenario = {
  name: "esl bench",
  timing: { playbackMs: PLAYBACK_MS, dtmfIntervalMs: dtmfMs },
  // The file the calls play: a simulated switch has no sound files unless the scenario lists them.
  files: ["ivr/ivr-welcome.wav"],
  defaultCallee: { outcome: "answer", ringMs: 200, dtmf: [{ atMs: 300, digits, intervalMs: dtmfMs }] },
};
// No HEARTBEAT: only the calls' events, so both runs see the same stream shape.
const sim = await startSimProcess(scenario, ["--time-scale", "1", "--heartbeat-ms", "0"]);
const driver = new EslInboundClient({ host: HOST, port: sim.port, password: PASSWORD, events: ["BACKGROUND_JOB"] });
await driver.start();
const lag = new EventLoopLag();

// ---------------------------------------------------------------- live phase


async function liveRound(format: "json" | "plain"): Promise<{ result: LiveResult; recording: Buffer }> {
  const ours = await startOurProbe(sim.port, format, captureCap);
  const stock = await startStockProbe(sim.port, format);
  ours.samples = newSamples();
  ours.fromStamp = [];
  ours.stampGap = [];
  stock.samples = newSamples();
  ours.capture.on = true;
  const counters0 = ours.client.stats();
  lag.reset();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  const uuids = Array.from({ length: channels }, () => randomUUID());
  const outcomes = await Promise.all(
    uuids.map((uuid, i) =>
      driver.send({ type: "originate", uuid, dialString: `sofia/gateway/carrier/1555${String(i).padStart(6, "0")}`, timeoutSec: 30 }),
    ),
  );
  const up = uuids.filter((_, i) => outcomes[i]!.ok);
  const upAt = performance.now();

  // A prompt on every channel every PLAYBACK_MS (CHANNEL_EXECUTE, PLAYBACK_START/STOP, EXECUTE_COMPLETE) over the DTMF.
  const windowEnd = upAt + seconds * 1000;
  let playbackRounds = 0;
  while (performance.now() < windowEnd) {
    const roundAt = performance.now();
    await Promise.all(up.map((uuid) => driver.send({ type: "playback", uuid, file: "ivr/ivr-welcome.wav", applicationUuid: randomUUID() })));
    playbackRounds++;
    const now = performance.now();
    await Bun.sleep(Math.max(0, Math.min(roundAt + PLAYBACK_MS, windowEnd) - now));
  }

  await Promise.all(up.map((uuid) => driver.send({ type: "hangup", uuid, cause: "NORMAL_CLEARING" })));
  const deadline = performance.now() + 15_000;
  while ((ours.samples.destroys < up.length || stock.samples.destroys < up.length) && performance.now() < deadline) await Bun.sleep(20);
  await ours.client.whenDrained();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const loop = lag.snapshot();
  ours.capture.on = false;
  const elapsedSeconds = (t1 - t0) / 1000;

  const c1 = ours.client.stats();
  const counters = Object.fromEntries(
    Object.entries(c1).map(([k, v]) => [k, k === "queueDepth" ? v : v - (counters0 as unknown as Record<string, number>)[k]!]),
  ) as unknown as ReturnType<EslInboundClient["stats"]>;
  const result: LiveResult = {
    format,
    originated: channels,
    originateFailures: channels - up.length,
    channelsUpSeconds: (upAt - t0) / 1000,
    playbackRounds,
    elapsedSeconds,
    ours: {
      events: ours.samples.events,
      eventsPerSecond: ours.samples.events / elapsedSeconds,
      fromChunk: dist(ours.samples.fromChunk),
      fromStamp: dist(ours.fromStamp),
      fromSwitch: dist(ours.samples.fromSwitch),
      stampGapMs: dist(ours.stampGap),
      bytes: ours.samples.bytes,
      chunks: ours.samples.chunks,
      counters,
    },
    stock: {
      events: stock.samples.events,
      eventsPerSecond: stock.samples.events / elapsedSeconds,
      fromChunk: dist(stock.samples.fromChunk),
      fromSwitch: dist(stock.samples.fromSwitch),
      bytes: stock.samples.bytes,
      chunks: stock.samples.chunks,
      parserErrors: stock.parserErrors,
    },
    processCpuMicrosPerEvent: (cpu.user + cpu.system) / (ours.samples.events + stock.samples.events),
    eventLoopLagMs: loop,
    allDestroyedSeen: ours.samples.destroys >= up.length && stock.samples.destroys >= up.length,
  };
  const recording = Buffer.concat(ours.capture.chunks);
  ours.capture.chunks = [];
  await ours.client.stop();
  await stopStock(stock.conn);
  return { result, recording };
}

// ---------------------------------------------------------------- run

const live: LiveResult[] = [];
const replay: ReplayResult[] = [];
try {
  for (const format of formats) {
    const { result, recording } = await liveRound(format);
    live.push(result);
    replay.push(await replayRound(format, recording, replayReps));
  }
} finally {
  await driver.stop().catch(() => {});
  lag.stop();
  await sim.stop();
}

await reportEsl(
  { channels, seconds, dtmfMs, playbackMs: PLAYBACK_MS, formats, replayReps, captureCap, eventNames: EVENT_NAMES, benchStartedAt },
  live,
  replay,
);
process.exit(0);
