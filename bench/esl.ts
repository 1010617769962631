/**
 * The ESL layer alone: how fast our client frames and decodes a FreeSWITCH
 * event stream, and how long an event waits from its bytes being framed to
 * its typed event reaching the consumer — with the simulator (its own
 * process) carrying 1,000 concurrent channels that answer, play and send DTMF.
 *
 *   bun run bench/esl.ts [--channels 1000] [--seconds 10]
 */
import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { EslInboundClient, type SwitchEvent } from "../src/esl/index.ts";
import { EventLoopLag } from "../src/runtime/event-loop-lag.ts";
import { percentiles, printTable, writeResult } from "./lib/stats.ts";
import { startSimProcess } from "./lib/sim-process.ts";

const { values } = parseArgs({ options: { channels: { type: "string", default: "1000" }, seconds: { type: "string", default: "10" } } });
const channels = Number(values.channels);
const seconds = Number(values.seconds);

// Every callee answers fast and keeps pressing digits: a dense, realistic channel-event stream.
const digits = "1234567890".repeat(Math.ceil((seconds * 1000) / 2000));
const sim = await startSimProcess({
  name: "esl bench",
  timing: { playbackMs: 2000, dtmfIntervalMs: 200 },
  defaultCallee: { outcome: "answer", ringMs: 200, dtmf: [{ atMs: 300, digits, intervalMs: 200 }] },
});

const driver = new EslInboundClient({ host: "127.0.0.1", port: sim.port, password: "ClueCon", events: ["BACKGROUND_JOB"] });
await driver.start();

async function measure() {
  const client = new EslInboundClient({ host: "127.0.0.1", port: sim.port, password: "ClueCon" });
  const latencies: number[] = [];
  let events = 0;
  client.onEvent((e: SwitchEvent) => {
    latencies.push(performance.now() - e.receivedAt);
    events++;
  });
  // The client subscribes in json, as the runtime does.
  await client.start();
  return { client, latencies, count: () => events };
}

const lag = new EventLoopLag();
const probe = await measure();
const cpu0 = process.cpuUsage();
const t0 = performance.now();

const uuids: string[] = [];
await Promise.all(
  Array.from({ length: channels }, async (_, i) => {
    const uuid = randomUUID();
    uuids.push(uuid);
    await driver.send({ type: "originate", uuid, dialString: `sofia/gateway/carrier/1555${String(i).padStart(6, "0")}`, timeoutSec: 30 });
  }),
);
const upAt = performance.now();
// Everyone plays a prompt while pressing digits, then the calls run for the measuring window.
await Promise.all(uuids.map((uuid) => driver.send({ type: "playback", uuid, file: "ivr/ivr-welcome.wav", applicationUuid: randomUUID() })));
await Bun.sleep(seconds * 1000);
await Promise.all(uuids.map((uuid) => driver.send({ type: "hangup", uuid, cause: "NORMAL_CLEARING" })));
await Bun.sleep(1500);
const elapsedS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const stats = probe.client.stats();
const p = percentiles(probe.latencies, [50, 95, 99, 99.9]);
const max = probe.latencies.reduce((m, v) => Math.max(m, v), 0);
const loop = lag.snapshot();

printTable(
  `ESL layer: ${channels} concurrent channels, ${probe.count()} events in ${elapsedS.toFixed(1)} s (json)`,
  ["figure", "value"],
  [
    ["channels up (originate → all answered, s)", (upAt - t0) / 1000],
    ["events decoded", probe.count()],
    ["events/s decoded (sustained over the run)", probe.count() / elapsedS],
    ["CPU µs per event (measuring process, incl. driver)", ((cpu.user + cpu.system) / probe.count())],
    ["framed → delivered p50 (ms)", p.p50!],
    ["framed → delivered p95 (ms)", p.p95!],
    ["framed → delivered p99 (ms)", p.p99!],
    ["framed → delivered p99.9 (ms)", p["p99.9"]!],
    ["framed → delivered max (ms)", max],
    ["event-loop lag p99 / max (ms)", `${loop.p99.toFixed(2)} / ${loop.max.toFixed(2)}`],
    ["skipped frames / unknown / dropped", `${stats.skippedFrames} / ${stats.unknownEvents} / ${stats.droppedEvents}`],
  ],
);
console.log("(framed = the moment the guarded parser framed the event's last byte; delivered = the consumer's handler ran)");

const path = await writeResult("esl", {
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, bun: Bun.version },
  parameters: { channels, seconds, format: "json" },
  channelsUpSeconds: (upAt - t0) / 1000,
  eventsDecoded: probe.count(),
  eventsPerSecond: probe.count() / elapsedS,
  cpuMicrosPerEvent: (cpu.user + cpu.system) / probe.count(),
  framedToDeliveredMs: { ...p, max },
  eventLoopLagMs: loop,
  counters: stats,
});
console.log(`\nwrote ${path}`);
await probe.client.stop();
await driver.stop();
lag.stop();
await sim.stop();
process.exit(0);
