/**
 * The whole runtime under load: N concurrent calls at a steady CPS through
 * HTTP originate → answer → play (collecting DTMF) → DTMF → hangup, against
 * the simulator running as its own process. In the same run, the same calls
 * are driven by a bare modesl baseline (bench/calls-baseline.ts) and the
 * runtime's overhead is reported as ratios.
 *
 *   bun run bench/calls.ts [--calls 1000] [--cps 100] [--db pglite|postgres] [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { startSwitchboard } from "../src/main.ts";
import { EventLoopLag } from "../src/runtime/event-loop-lag.ts";
import { Histogram } from "../src/runtime/metrics.ts";
import { createDatabase } from "../test/support/switchboard.ts";
import { runBaseline } from "./calls-baseline.ts";
import { percentiles, printTable, writeResult } from "./lib/stats.ts";
import { startSimProcess } from "./lib/sim-process.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "1000" },
    cps: { type: "string", default: "100" },
    db: { type: "string", default: "pglite" },
    quick: { type: "boolean", default: false },
  },
});
const calls = values.quick ? 200 : Number(values.calls);
const cps = values.quick ? 50 : Number(values.cps);
// Hold each call long enough that every call placed during the ramp is up at once.
const rampMs = (calls / cps) * 1000;
const answerMs = 500;
const dtmfAtMs = Math.round(rampMs + 1000);
const promptMs = dtmfAtMs + 2000;
const PROMPT = "ivr/ivr-welcome.wav";
const KEY = "sk_bench_calls_0123456789abcdefghijkl";

const sim = await startSimProcess({
  name: "calls bench",
  timing: { playbackMs: promptMs },
  defaultCallee: { outcome: "answer", ringMs: answerMs, dtmf: [{ atMs: dtmfAtMs, digits: "1" }] },
});
const number = (i: number) => `1555${String(i).padStart(6, "0")}`;

// Raw latency samples from the runtime's own histograms (the same observe() calls /metrics counts).
const samples = new Map<string, number[]>();
const observe = Histogram.prototype.observe;
Histogram.prototype.observe = function (this: Histogram, v: number) {
  let list = samples.get(this.name);
  if (!list) samples.set(this.name, (list = []));
  list.push(v * 1000);
  observe.call(this, v);
};

interface Pass {
  eventToCommandMs: number[];
  setupMs: number[];
  requestToOriginateMs?: number[];
  completed: number;
  peakLive: number;
  cpuMsPerCall: number;
  heapKbPerLiveCall: number;
  cps: number;
  lag: { p50: number; p99: number; max: number; mean: number };
}

async function measured<T>(run: (sampleLive: (live: number) => void) => Promise<T>): Promise<{ value: T; cpuMs: number; heapPerLive: number; lag: Pass["lag"]; seconds: number; peak: number }> {
  Bun.gc(true);
  const heap0 = process.memoryUsage().heapUsed;
  let peak = 0;
  let heapAtPeak = heap0;
  const lag = new EventLoopLag();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run((live) => {
    if (live > peak) {
      peak = live;
      heapAtPeak = process.memoryUsage().heapUsed;
    }
  });
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const lagSnap = lag.snapshot();
  lag.stop();
  return { value, cpuMs: (cpu.user + cpu.system) / 1000, heapPerLive: peak ? (heapAtPeak - heap0) / 1024 / peak : 0, lag: lagSnap, seconds, peak };
}

// ─── baseline: bare modesl ──────────────────────────────────────────────────
console.log(`baseline: ${calls} calls at ${cps} CPS on bare modesl…`);
let baselinePeak = 0;
const base = await measured(async (sampleLive) => {
  const timer = setInterval(() => sampleLive(baselinePeak), 250);
  const r = await runBaseline({ port: sim.port, calls, cps, number, promptFile: PROMPT, gatherTimeoutMs: promptMs + 5000, onPeak: () => {} });
  clearInterval(timer);
  baselinePeak = r.peakLive;
  return r;
});
const baseline: Pass = {
  eventToCommandMs: base.value.eventToCommandMs,
  setupMs: base.value.setupMs,
  completed: base.value.completed,
  peakLive: base.value.peakLive,
  cpuMsPerCall: base.cpuMs / calls,
  heapKbPerLiveCall: 0,
  cps: calls / (rampMs / 1000),
  lag: base.lag,
};

// ─── the runtime: HTTP → actors → ESL, journal to the database ──────────────
console.log(`runtime: ${calls} calls at ${cps} CPS through HTTP, actors and the journal (${values.db})…`);
const dataDir = mkdtempSync(join(tmpdir(), "switchboard-bench-data-"));
const pg = values.db === "postgres" ? await createDatabase() : null;
const sb = await startSwitchboard(
  loadConfig({
    PORT: "0",
    OUTBOUND_SOCKET_PORT: "0",
    DATA_DIR: dataDir,
    ESL_HOST: "127.0.0.1",
    ESL_PORT: String(sim.port),
    SWITCHBOARD_API_KEY: KEY,
    MAX_CONCURRENT_CALLS: String(calls * 2),
    LOG_LEVEL: "warn",
    ...(pg ? { DATABASE_URL: pg.url } : {}),
  }),
);
samples.clear();
const requestAt = new Map<string, number>();
const setupMs: number[] = [];
sb.link.onEvent((e) => {
  if (e.kind !== "channel.answer") return;
  const t = requestAt.get(e.uuid);
  if (t !== undefined) setupMs.push(e.receivedAt - t);
});
const run = await measured(async (sampleLive) => {
  const sampler = setInterval(() => sampleLive(sb.runtime.liveCount), 100);
  const interval = 1000 / cps;
  const start = performance.now();
  const posts: Promise<void>[] = [];
  let failed = 0;
  for (let i = 0; i < calls; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    const t = performance.now();
    posts.push(
      fetch(`${sb.url}/v1/calls`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          to: `sofia/gateway/carrier/${number(i)}`,
          from: "+15550001111",
          actions: [{ type: "gather", max_digits: 1, timeout_ms: Math.min(120_000, promptMs + 5000), play: PROMPT }, { type: "hangup" }],
        }),
      }).then(async (r) => {
        const body = (await r.json()) as { id?: string };
        if (r.status !== 201 || !body.id) failed++;
        else requestAt.set(body.id, t);
      }),
    );
  }
  await Promise.all(posts);
  const deadline = Date.now() + 120_000;
  while (sb.runtime.liveCount > 0 && Date.now() < deadline) await Bun.sleep(100);
  clearInterval(sampler);
  await sb.journal.flush();
  return { failed, sustainedCps: calls / ((performance.now() - start - 0) / 1000) };
});
const runtime: Pass = {
  eventToCommandMs: samples.get("switchboard_event_to_command_seconds") ?? [],
  requestToOriginateMs: samples.get("switchboard_request_to_originate_seconds") ?? [],
  setupMs,
  completed: calls - run.value.failed - sb.runtime.liveCount,
  peakLive: run.peak,
  cpuMsPerCall: run.cpuMs / calls,
  heapKbPerLiveCall: run.heapPerLive,
  cps: calls / (rampMs / 1000),
  lag: run.lag,
};
await sb.stop();
await pg?.drop();
rmSync(dataDir, { recursive: true, force: true });
await sim.stop();

// ─── report ─────────────────────────────────────────────────────────────────
const p = (xs: number[]) => percentiles(xs, [50, 95, 99]);
const rE = p(runtime.eventToCommandMs);
const bE = p(baseline.eventToCommandMs);
const rS = p(runtime.setupMs);
const bS = p(baseline.setupMs);
const rO = p(runtime.requestToOriginateMs ?? []);
const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
const rows: Array<Array<string | number>> = [
  ["calls completed", runtime.completed, baseline.completed, ""],
  ["peak concurrent calls", runtime.peakLive, baseline.peakLive, ""],
  ["HTTP request → originate written p50/p95/p99 (ms)", `${rO.p50!.toFixed(2)} / ${rO.p95!.toFixed(2)} / ${rO.p99!.toFixed(2)}`, "—", ""],
  ["event received → command written p50 (ms)", rE.p50!, bE.p50!, ratio(rE.p50!, bE.p50!)],
  ["event received → command written p95 (ms)", rE.p95!, bE.p95!, ratio(rE.p95!, bE.p95!)],
  ["event received → command written p99 (ms)", rE.p99!, bE.p99!, ratio(rE.p99!, bE.p99!)],
  ["call set-up (request/originate → answer) p50 (ms)", rS.p50!, bS.p50!, ratio(rS.p50!, bS.p50!)],
  ["call set-up p99 (ms)", rS.p99!, bS.p99!, ratio(rS.p99!, bS.p99!)],
  ["CPU ms per call", runtime.cpuMsPerCall, baseline.cpuMsPerCall, ratio(runtime.cpuMsPerCall, baseline.cpuMsPerCall)],
  ["heap KiB per live call", runtime.heapKbPerLiveCall, "—", ""],
  ["event-loop lag p99 / max (ms)", `${runtime.lag.p99.toFixed(1)} / ${runtime.lag.max.toFixed(1)}`, `${baseline.lag.p99.toFixed(1)} / ${baseline.lag.max.toFixed(1)}`, ""],
  ["offered CPS", runtime.cps, baseline.cps, ""],
];
printTable(`Calls: ${calls} at ${cps} CPS, answer ${answerMs} ms, DTMF at ${dtmfAtMs} ms into a ${promptMs} ms prompt, ${values.db}`, ["figure", "runtime", "bare modesl", "ratio"], rows);
const targets = [
  ["p99 event→command ≤ 5 ms", rE.p99! <= 5, rE.p99!],
  ["event→command p99 overhead ≤ 2× baseline", ratio(rE.p99!, bE.p99!) <= 2, ratio(rE.p99!, bE.p99!)],
  ["CPU per call overhead ≤ 2× baseline", ratio(runtime.cpuMsPerCall, baseline.cpuMsPerCall) <= 2, ratio(runtime.cpuMsPerCall, baseline.cpuMsPerCall)],
] as const;
printTable("Targets", ["target", "measured", "verdict"], targets.map(([t, ok, v]) => [t, v, verdict(ok)]));
const path = await writeResult("calls", {
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, bun: Bun.version },
  parameters: { calls, cps, db: values.db, answerMs, dtmfAtMs, promptMs },
  runtime: { ...summarise(runtime), requestToOriginateMs: rO },
  baseline: summarise(baseline),
  ratios: {
    eventToCommandP50: ratio(rE.p50!, bE.p50!),
    eventToCommandP99: ratio(rE.p99!, bE.p99!),
    setupP50: ratio(rS.p50!, bS.p50!),
    setupP99: ratio(rS.p99!, bS.p99!),
    cpuPerCall: ratio(runtime.cpuMsPerCall, baseline.cpuMsPerCall),
  },
  targets: targets.map(([t, ok, v]) => ({ target: t, measured: v, pass: ok })),
});
console.log(`\nwrote ${path}`);
process.exit(0);

function summarise(pass: Pass) {
  return {
    completed: pass.completed,
    peakLive: pass.peakLive,
    eventToCommandMs: p(pass.eventToCommandMs),
    eventToCommandSamples: pass.eventToCommandMs.length,
    setupMs: p(pass.setupMs),
    cpuMsPerCall: pass.cpuMsPerCall,
    heapKbPerLiveCall: pass.heapKbPerLiveCall,
    eventLoopLagMs: pass.lag,
  };
}
