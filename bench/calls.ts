/**
 * The whole runtime under load: N calls at a steady CPS through
 * HTTP originate → answer → play_and_get_digits → DTMF → uuid_kill, against the
 * switch simulator running as its own process. In the same run and against the
 * same simulator, the same calls are driven by a bare modesl baseline
 * (bench/calls-baseline.ts), and the runtime's overhead is reported as ratios.
 *
 *   bun run bench/calls.ts [--calls 1000] [--cps 100] [--db pglite|postgres] [--quick]
 *
 * Every latency is an exact per-call sample in one clock (performance.now()):
 * commands are stamped when their bytes are written (sb.link.send wrapped; the
 * write happens synchronously inside send), events when the guarded parser
 * framed them (frameInfo / SwitchEvent.receivedAt), requests when fetch is called.
 * The runtime's own histograms are captured raw too (Histogram.prototype.observe
 * wrapped in this process) as a cross-check. The table and the results file are
 * bench/lib/calls-report.ts.
 */
process.env.LOG_LEVEL ??= "warn";

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimProcess, type SimProcess } from "./lib/sim-process.ts";
import { CallTimeline } from "./lib/call-timeline.ts";
import { PassProbe } from "./lib/pass-probe.ts";
import { reportCalls, type PassResult, type RuntimePassResult } from "./lib/calls-report.ts";
import { paced } from "./lib/pacer.ts";
import { benchCleanup } from "./lib/bench-cleanup.ts";
import { histogramCount } from "./lib/metrics-text.ts";
import type { SwitchEvent } from "../machines/switch/index.ts";

// The logger reads LOG_LEVEL when first imported: load the runtime after setting it.
const { loadConfig } = await import("../src/config.ts");
const { startSwitchboard } = await import("../src/main.ts");
const { Histogram } = await import("../src/runtime/metrics.ts");
const { encodeCommand, parserCounters } = await import("../src/esl/index.ts");
const { GATHER_REGEXP, GATHER_VARIABLE, SILENCE_FILE } = await import("../machines/call-commands.ts");
const { createDatabase } = await import("../test/support/switchboard.ts");
const { runBaseline } = await import("./calls-baseline.ts");

const { values } = parseArgs({
  options: {
    calls: { type: "string" },
    cps: { type: "string" },
    db: { type: "string", default: "pglite" },
    quick: { type: "boolean", default: false },
    // For profiling one side (bun --cpu-prof run bench/calls.ts --only runtime); ratios need both.
    only: { type: "string" },
  },
});
const calls = Number(values.calls ?? (values.quick ? 200 : 1000));
const cps = Number(values.cps ?? (values.quick ? 50 : 100));
const db = values.db === "postgres" ? "postgres" : "pglite";
const only = values.only;
if (!(calls >= 1 && cps > 0) || (values.db !== "pglite" && values.db !== "postgres") || (only !== undefined && only !== "runtime" && only !== "baseline")) {
  console.error("usage: bun run bench/calls.ts [--calls N] [--cps N] [--db pglite|postgres] [--quick] [--only runtime|baseline]");
  process.exit(2);
}

// ─── the call script's timing ───────────────────────────────────────────────
// Every call placed during the ramp must still be up when the last one answers:
// the callee presses its digit after the whole ramp, during a prompt longer still.
const rampMs = ((calls - 1) / cps) * 1000;
const answerMs = 500;
const dtmfAtMs = Math.round(rampMs + 1500);
const promptMs = dtmfAtMs + 2000;
/** Midway between the last answer and the first digit: every call is up and no trigger event is due. */
const peakAtMs = Math.round(rampMs + answerMs + 750);
const gatherTimeoutMs = Math.min(120_000, promptMs + 5000);
const PROMPT = "ivr/ivr-welcome.wav";
const KEY = "sk_bench_calls_0123456789abcdefghijkl";
const number = (i: number) => `1555${String(i).padStart(6, "0")}`;
const dialString = (i: number) => `sofia/gateway/carrier/${number(i)}`;
/**
 * Warm-up calls before each measured pass (other numbers: answered at once, digit
 * at 300 ms), so both passes are measured JIT-warm and the memory baseline
 * already holds the code and caches the first calls create.
 */
const warmupCalls = Math.min(100, calls);
const WARMUP_PREFIX = "1666";
const warmDialString = (i: number) => `sofia/gateway/carrier/${WARMUP_PREFIX}${String(i).padStart(6, "0")}`;
/** One pass: the ramp, the hold until the digit, the hang-ups, plus slack. */
const passDeadlineMs = rampMs + answerMs + dtmfAtMs + 15_000;
const watchdogMs = 60_000 + 2 * passDeadlineMs;

// ─── cleanup, whatever happens ──────────────────────────────────────────────
const cleanups = benchCleanup("calls", watchdogMs);

console.log(
  `calls bench: ${calls} calls at ${cps} CPS; answer after ${answerMs} ms, DTMF "1" at ${dtmfAtMs} ms into a ${promptMs} ms prompt; ${db}; bounded at ${Math.round(watchdogMs / 1000)} s`,
);

try {
  // ─── the simulator: its own process, shared by both passes ──────────────
  const sim: SimProcess = await startSimProcess(
    {
      name: "calls bench",
      timing: { playbackMs: promptMs },
      // The prompt the calls play: a simulated switch has no sound files unless the scenario lists them.
      files: [PROMPT],
      callees: [{ match: { prefix: WARMUP_PREFIX }, outcome: "answer", ringMs: 100, dtmf: [{ atMs: 300, digits: "1" }] }],
      defaultCallee: { outcome: "answer", ringMs: answerMs, dtmf: [{ atMs: dtmfAtMs, digits: "1" }] },
    },
    ["--heartbeat-ms", "20000"],
  );
  cleanups.push(() => sim.stop());

  const httpFloor = only === "baseline" ? NaN : await loopbackHttpFloor(300);
  const base = only === "runtime" ? null : await baselinePass(sim.port);
  const run = only === "baseline" ? null : await runtimePass(sim.port);
  await reportCalls({ calls, cps, db, only, warmupCalls, answerMs, dtmfAtMs, promptMs, gatherTimeoutMs, peakAtMs, prompt: PROMPT }, base, run, httpFloor);
} catch (err) {
  console.error("calls bench failed:", err);
  process.exitCode = 1;
} finally {
  await cleanups.finish();
}
process.exit(process.exitCode ?? 0);

// ─── pass 1: bare modesl ──────────────────────────────────────────────────
async function baselinePass(port: number): Promise<PassResult> {
  console.log(`baseline: bare modesl callbacks…`);
  // The play_and_get_digits argument byte for byte as the runtime writes it for this gather.
  const gatherArg = (
    encodeCommand({
      type: "play_and_get_digits",
      uuid: "00000000-0000-4000-8000-000000000000",
      applicationUuid: "00000000-0000-4000-8000-000000000001",
      minDigits: 1,
      maxDigits: 1,
      tries: 1,
      timeoutMs: gatherTimeoutMs,
      terminators: "#",
      file: PROMPT,
      invalidFile: SILENCE_FILE,
      variableName: GATHER_VARIABLE,
      regexp: GATHER_REGEXP,
      digitTimeoutMs: gatherTimeoutMs,
    }) as { headers: Record<string, string> }
  ).headers["execute-app-arg"]!;
  const warm = await runBaseline({ port, calls: warmupCalls, cps: 50, dialString: warmDialString, gatherArg, deadlineMs: 15_000 });
  if (warm.timeline.figures().completed !== warmupCalls) console.log(`baseline: only ${warm.timeline.figures().completed}/${warmupCalls} warm-up calls completed`);
  const frames0 = parserCounters.framesParsed;
  const probe = new PassProbe();
  const base = await runBaseline({
    port,
    calls,
    cps,
    dialString,
    gatherArg,
    deadlineMs: passDeadlineMs,
    peak: { atMs: peakAtMs, snapshot: (live) => probe.snapshotPeak(live) },
  });
  const cost = probe.finish();
  const fig = base.timeline.figures();
  if (base.timedOut) console.log(`baseline: ${calls - fig.completed} calls had not ended by the deadline`);
  return { fig, cost, frames: parserCounters.framesParsed - frames0, eventsPerCall: perCall(base.eventCounts), timedOut: base.timedOut };
}

// ─── pass 2: the runtime — HTTP → actors → ESL, journal to the database ────
async function runtimePass(port: number): Promise<RuntimePassResult> {
  console.log(`runtime: HTTP, actors and the journal (${db})…`);
  // Raw samples of the runtime's own histograms, per metric name (the same observe() /metrics counts).
  const ownSamples = new Map<string, number[]>();
  const observe = Histogram.prototype.observe;
  Histogram.prototype.observe = function (this: InstanceType<typeof Histogram>, v: number) {
    let list = ownSamples.get(this.name);
    if (!list) ownSamples.set(this.name, (list = []));
    list.push(v * 1000);
    observe.call(this, v);
  };
  cleanups.push(() => void (Histogram.prototype.observe = observe));
  const dataDir = mkdtempSync(join(tmpdir(), "switchboard-bench-data-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const pg = db === "postgres" ? await createDatabase() : null;
  if (pg) cleanups.push(() => pg.drop());
  const sb = await startSwitchboard(
    loadConfig({
      PORT: "0",
      OUTBOUND_SOCKET_PORT: "0",
      DATA_DIR: dataDir,
      ESL_HOST: "127.0.0.1",
      ESL_PORT: String(port),
      SWITCHBOARD_API_KEY: KEY,
      MAX_CONCURRENT_CALLS: String(Math.max(1000, calls * 2)),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    }),
  );
  cleanups.push(() => sb.stop());

  // Stamp every command as its bytes leave: the runtime calls link.send(), which writes synchronously.
  let timeline = new CallTimeline();
  const requestAt = new Float64Array(calls).fill(NaN);
  const commandsWritten = new Map<string, number>();
  const send = sb.link.send.bind(sb.link);
  sb.link.send = (cmd) => {
    const sent = send(cmd);
    const now = performance.now();
    bump(commandsWritten, cmd.type);
    const t = timeline.at(cmd.uuid);
    if (cmd.type === "originate") {
      const n = /\/(1555)(\d{6})$/.exec(cmd.dialString);
      t.originate = now;
      if (n && Number(n[2]) < calls) t.request = requestAt[Number(n[2])];
    } else if (cmd.type === "play_and_get_digits") {
      t.gather ??= now;
      t.gatherApp ??= cmd.applicationUuid;
    } else if (cmd.type === "hangup") {
      t.hangup ??= now;
    }
    return sent;
  };
  // Event arrival: the parser's stamp (SwitchEvent.receivedAt), the same one the baseline reads with frameInfo().
  // `routedAt`, when known, is the moment the event reached the runtime's router: it splits event→command into
  // queue wait + decode before, and journal + actor + encode + write after.
  const eventCounts = new Map<string, number>();
  const observeEvent = (e: SwitchEvent, routedAt: number | undefined) => {
    if (e.kind === "background_job" || e.kind === "heartbeat") return bump(eventCounts, e.eventName);
    const t = timeline.calls.get(e.uuid);
    if (!t) return;
    bump(eventCounts, e.eventName);
    if (e.kind === "channel.answer") {
      t.answer ??= e.receivedAt;
      if (routedAt !== undefined) t.answerRouted ??= routedAt;
    } else if (e.kind === "channel.hangup_complete") {
      t.ended ??= e.receivedAt;
    } else if (e.kind === "channel.execute_complete" && e.applicationUuid === t.gatherApp) {
      t.gatherDone ??= e.receivedAt;
      if (routedAt !== undefined) t.executeCompleteRouted ??= routedAt;
    }
  };
  // Wrap the runtime's own consumer rather than add one: every extra consumer costs each event an
  // await in the client's delivery loop. The consumers live in a private array; if that ever
  // changes, fall back to a consumer of our own (and no split).
  const consumers = (sb.link as unknown as { handlers?: Array<(e: SwitchEvent) => void | Promise<void>> }).handlers;
  if (Array.isArray(consumers) && consumers.length === 1) {
    const route = consumers[0]!;
    consumers[0] = (e) => {
      observeEvent(e, performance.now());
      return route(e);
    };
  } else {
    sb.link.onEvent((e) => observeEvent(e, undefined));
  }

  const body = (i: number) =>
    JSON.stringify({
      to: dialString(i),
      from: "+15550001111",
      timeout_s: 60,
      actions: [{ type: "gather", max_digits: 1, timeout_ms: gatherTimeoutMs, play: PROMPT }, { type: "hangup" }],
    });
  const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  // Warm-up: the same script on the warm-up numbers, until every warm-up call has ended and its journal is written.
  const warmPosts: Promise<unknown>[] = [];
  await paced(warmupCalls, 50, (i) => {
    warmPosts.push(fetch(`${sb.url}/v1/calls`, { method: "POST", headers, body: body(i).replace(dialString(i), warmDialString(i)) }).then((r) => r.arrayBuffer()));
  });
  await Promise.all(warmPosts);
  const warmEnd = performance.now() + 15_000;
  while (sb.runtime.liveCount > 0 && performance.now() < warmEnd) await Bun.sleep(50);
  await sb.journal.flush();
  if (sb.runtime.liveCount > 0) console.log(`runtime: ${sb.runtime.liveCount} warm-up calls still live`);
  const metricsBefore = await (await fetch(`${sb.url}/metrics`)).text();
  const journal0 = sb.journal.stats();
  timeline = new CallTimeline();
  eventCounts.clear();
  commandsWritten.clear();
  ownSamples.clear();

  const responseMs: number[] = [];
  const ids: string[] = [];
  const refusals = new Map<string, number>();
  const posts: Promise<void>[] = [];
  let actorsAtPeak = 0;
  let peakTimer: ReturnType<typeof setTimeout> | undefined;
  const frames0 = parserCounters.framesParsed;
  const probe = new PassProbe();
  // Keep-alive: fetch reuses its pooled connections to the API.
  await paced(calls, cps, (i) => {
    if (i === 0) {
      peakTimer = setTimeout(() => {
        actorsAtPeak = sb.runtime.liveCount;
        probe.snapshotPeak(timeline.upNow());
      }, peakAtMs);
    }
    const payload = body(i);
    const t = performance.now();
    requestAt[i] = t;
    posts.push(
      fetch(`${sb.url}/v1/calls`, { method: "POST", headers, body: payload }).then(
        async (r) => {
          const json = (await r.json()) as { id?: string; error?: { code?: string } };
          responseMs.push(performance.now() - t);
          if (r.status === 201 && json.id) ids.push(json.id);
          else bump(refusals, `${r.status} ${json.error?.code ?? ""}`);
        },
        (err: Error) => bump(refusals, `fetch: ${err.message}`),
      ),
    );
  });
  await Promise.all(posts);
  const passEnd = performance.now() + passDeadlineMs;
  const allEnded = () => ids.every((id) => timeline.calls.get(id)?.ended !== undefined);
  while (!(allEnded() && sb.runtime.liveCount === 0) && performance.now() < passEnd) await Bun.sleep(50);
  const timedOut = !allEnded();
  clearTimeout(peakTimer);
  await sb.journal.flush();
  const cost = probe.finish();
  const frames = parserCounters.framesParsed - frames0;
  const journal1 = sb.journal.stats();
  const journalPerCall = {
    eventRows: (journal1.eventsWritten - journal0.eventsWritten) / calls,
    cdrUpserts: (journal1.callsWritten - journal0.callsWritten) / calls,
  };
  Histogram.prototype.observe = observe;
  const fig = timeline.figures();
  if (timedOut) console.log(`runtime: ${ids.length - fig.completed} calls had not ended by the deadline`);

  // What the API says about the calls: every one should read completed.
  const statuses = new Map<string, number>();
  for (const id of ids.filter((_, k) => k % Math.max(1, Math.floor(ids.length / 20)) === 0)) {
    const r = await fetch(`${sb.url}/v1/calls/${id}`, { headers });
    bump(statuses, r.status === 200 ? String(((await r.json()) as { status?: string }).status) : `HTTP ${r.status}`);
  }
  const metricsText = await (await fetch(`${sb.url}/metrics`)).text();
  const metricsCount = (name: string) => histogramCount(metricsText, name) - histogramCount(metricsBefore, name);
  return {
    fig,
    cost,
    frames,
    eventsPerCall: perCall(eventCounts),
    timedOut,
    responseMs,
    ownSamples,
    actorsAtPeak,
    refusals,
    commandsWritten,
    statuses,
    metricsCount,
    journalPerCall,
  };
}


function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function perCall(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n / calls]));
}

/**
 * CPU per request of the HTTP plumbing alone (fetch client + a Bun.serve that
 * answers at once), in this process: the part of the runtime pass's CPU the
 * bench's own client spends, for context.
 */
async function loopbackHttpFloor(requests: number): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (req) => Response.json({ id: (await req.text()).length }, { status: 201 }) });
  try {
    const url = `http://127.0.0.1:${server.port}/v1/calls`;
    const one = () => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ to: dialString(0), from: "+15550001111" }) }).then((r) => r.json());
    await Promise.all(Array.from({ length: 20 }, one));
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < requests; i += 10) await Promise.all(Array.from({ length: 10 }, one));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000 / requests;
  } finally {
    await server.stop(true);
  }
}
