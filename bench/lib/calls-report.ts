/**
 * The calls bench's report: the table it prints (runtime vs bare modesl, with
 * ratios and the targets' verdicts), the notes under it and the results file
 * (bench/results/calls-<date>.json). Pure formatting of figures the two passes
 * measured, kept apart from bench/calls.ts, which drives the calls.
 */
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import type { TimelineFigures } from "./call-timeline.ts";
import type { PassCost } from "./pass-probe.ts";
import { percentiles, printTable, writeResult } from "./stats.ts";

/** The run's shape, as bench/calls.ts derived it from its flags. */
export interface CallsParameters {
  calls: number;
  cps: number;
  db: "pglite" | "postgres";
  only: string | undefined;
  warmupCalls: number;
  answerMs: number;
  dtmfAtMs: number;
  promptMs: number;
  gatherTimeoutMs: number;
  peakAtMs: number;
  prompt: string;
}

export interface PassResult {
  fig: TimelineFigures;
  cost: PassCost;
  /** ESL frames the guarded parser framed during the pass (events and replies). */
  frames: number;
  /** Channel events per call, by Event-Name (what the connection is subscribed to). */
  eventsPerCall: Record<string, number>;
  timedOut: boolean;
}

export interface RuntimePassResult extends PassResult {
  responseMs: number[];
  ownSamples: Map<string, number[]>;
  actorsAtPeak: number;
  refusals: Map<string, number>;
  commandsWritten: Map<string, number>;
  statuses: Map<string, number>;
  metricsCount: (name: string) => number;
  /** Journal rows written per call during the pass: call_events rows, CDR upsert rows. */
  journalPerCall: { eventRows: number; cdrUpserts: number };
}

export async function reportCalls(p: CallsParameters, base: PassResult | null, run: RuntimePassResult | null, httpFloor: number): Promise<void> {
  const { calls, cps, db, only, warmupCalls, answerMs, dtmfAtMs, promptMs, gatherTimeoutMs, peakAtMs, prompt: PROMPT } = p;
  const none: number[] = [];
  const P = (xs: ArrayLike<number>) => percentiles(xs, [50, 95, 99]) as { p50: number; p95: number; p99: number };
  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 3 : 1) : "—");
  const trio = (p: { p50: number; p95: number; p99: number }) => `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)}`;
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b : NaN);
  const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "—");
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  const kib = (bytes: number, live: number) => (live > 0 ? bytes / 1024 / live : NaN);
  const num = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : "—");
  const beyondRing = (xs: number[]) => P(xs.map((v) => v - answerMs));
  const cpuPerCall = (r: PassResult | null) => (r ? r.cost.cpuMs / Math.max(1, r.fig.completed) : NaN);
  const memPerCall = (r: PassResult | null, key: "heapDeltaBytes" | "rssDeltaBytes") => kib(r?.cost.peak?.[key] ?? NaN, r?.cost.peak?.liveCalls ?? 0);
  const lag = (r: PassResult | null) => (r ? `${ms(r.cost.lag.p50)} / ${ms(r.cost.lag.p99)} / ${ms(r.cost.lag.max)}` : "—");

  const rE = P(run?.fig.eventToCommandMs ?? none);
  const bE = P(base?.fig.eventToCommandMs ?? none);
  const rS = P(run?.fig.setupMs ?? none);
  const bS = P(base?.fig.setupMs ?? none);
  const rSx = beyondRing(run?.fig.setupMs ?? none);
  const bSx = beyondRing(base?.fig.setupMs ?? none);
  const rO = P(run?.fig.requestToOriginateMs ?? none);
  const rOwnO = P(run?.ownSamples.get("switchboard_request_to_originate_seconds") ?? none);
  const rOwnE = P(run?.ownSamples.get("switchboard_event_to_command_seconds") ?? none);
  const rR = P(run?.responseMs ?? none);
  const rQ = P(run?.fig.eventToRouterMs ?? none);
  const rX = P(run?.fig.routerToCommandMs ?? none);
  const rCpu = cpuPerCall(run);
  const bCpu = cpuPerCall(base);
  const rHeap = memPerCall(run, "heapDeltaBytes");
  const bHeap = memPerCall(base, "heapDeltaBytes");
  const rRss = memPerCall(run, "rssDeltaBytes");
  const bRss = memPerCall(base, "rssDeltaBytes");

  const ratios = {
    eventToCommandP50: ratio(rE.p50, bE.p50),
    eventToCommandP99: ratio(rE.p99, bE.p99),
    setupP50: ratio(rS.p50, bS.p50),
    setupP99: ratio(rS.p99, bS.p99),
    setupBeyondRingP50: ratio(rSx.p50, bSx.p50),
    setupBeyondRingP99: ratio(rSx.p99, bSx.p99),
    cpuMsPerCall: ratio(rCpu, bCpu),
    heapPerLiveCall: ratio(rHeap, bHeap),
    rssPerLiveCall: ratio(rRss, bRss),
  };
  const targets = [
    { target: "p99 event→command ≤ 5 ms", measured: rE.p99, pass: rE.p99 <= 5 },
    { target: "event→command p50 ≤ 2× baseline", measured: ratios.eventToCommandP50, pass: ratios.eventToCommandP50 <= 2 },
    { target: "event→command p99 ≤ 2× baseline", measured: ratios.eventToCommandP99, pass: ratios.eventToCommandP99 <= 2 },
    { target: "set-up p50 ≤ 2× baseline", measured: ratios.setupP50, pass: ratios.setupP50 <= 2 },
    { target: "set-up p99 ≤ 2× baseline", measured: ratios.setupP99, pass: ratios.setupP99 <= 2 },
    { target: "CPU ms per call ≤ 2× baseline", measured: ratios.cpuMsPerCall, pass: ratios.cpuMsPerCall <= 2 },
    { target: "heap per live call ≤ 2× baseline", measured: ratios.heapPerLiveCall, pass: ratios.heapPerLiveCall <= 2 },
  ];
  const v = (name: string) => verdict(targets.find((t) => t.target === name)!.pass);
  const completed = (r: PassResult | null) => (r ? `${r.fig.completed} / ${calls}` : "—");
  const frames = (r: PassResult | null) => (r ? (r.frames / calls).toFixed(1) : "—");

  const rows: Array<Array<string | number>> = [
    ["calls completed (hung up by us)", completed(run), completed(base), "", "", ""],
    ["peak concurrent calls up (answered, not hung up)", run?.fig.peakUp ?? "—", base?.fig.peakUp ?? "—", "", "", ""],
    ["sustained CPS (originates written per s)", num(run?.fig.originateCps ?? NaN, 1), num(base?.fig.originateCps ?? NaN, 1), "", "", ""],
    ["HTTP request → originate written p50/p95/p99 ms", trio(rO), "—", "", "", ""],
    ["  of which handler → originate (runtime histogram)", trio(rOwnO), "—", "", "", ""],
    ["HTTP request → 201 response p50/p95/p99 ms", trio(rR), "—", "", "", ""],
    ["event received → command written p50 ms", ms(rE.p50), ms(bE.p50), x(ratios.eventToCommandP50), "≤ 2×", v("event→command p50 ≤ 2× baseline")],
    ["event received → command written p95 ms", ms(rE.p95), ms(bE.p95), x(ratio(rE.p95, bE.p95)), "", ""],
    ["event received → command written p99 ms", ms(rE.p99), ms(bE.p99), x(ratios.eventToCommandP99), "≤ 5 ms, ≤ 2×", `${v("p99 event→command ≤ 5 ms")}, ${v("event→command p99 ≤ 2× baseline")}`],
    ["  runtime's own histogram p50 / p99 ms (cross-check)", `${ms(rOwnE.p50)} / ${ms(rOwnE.p99)}`, "", "", "", ""],
    ["  split: frame parsed → router p50/p95/p99 ms", trio(rQ), "", "", "", ""],
    ["  split: router → command written p50/p95/p99 ms", trio(rX), "", "", "", ""],
    ["call set-up request/originate → answer p50 ms", ms(rS.p50), ms(bS.p50), x(ratios.setupP50), "≤ 2×", v("set-up p50 ≤ 2× baseline")],
    ["call set-up p99 ms", ms(rS.p99), ms(bS.p99), x(ratios.setupP99), "≤ 2×", v("set-up p99 ≤ 2× baseline")],
    [`  set-up beyond the ${answerMs} ms ring p50 / p99 ms`, `${ms(rSx.p50)} / ${ms(rSx.p99)}`, `${ms(bSx.p50)} / ${ms(bSx.p99)}`, `${x(ratios.setupBeyondRingP50)} / ${x(ratios.setupBeyondRingP99)}`, "", ""],
    ["CPU ms per call (this process)", num(rCpu, 2), num(bCpu, 2), x(ratios.cpuMsPerCall), "≤ 2×", v("CPU ms per call ≤ 2× baseline")],
    ["  loopback HTTP floor: fetch + bare Bun.serve, CPU ms/request", num(httpFloor, 2), "", "", "", ""],
    ["heap KiB per live call (after full GC, at peak)", num(rHeap, 2), num(bHeap, 2), x(ratios.heapPerLiveCall), "≤ 2×", v("heap per live call ≤ 2× baseline")],
    // RSS moves in allocator-sized steps and falls when a collection returns pages: a delta ≤ 0 says nothing.
    ["RSS KiB per live call (at peak; coarse)", rRss > 0 ? num(rRss, 1) : "n/a (fell)", bRss > 0 ? num(bRss, 1) : "n/a (fell)", rRss > 0 && bRss > 0 ? x(ratios.rssPerLiveCall) : "—", "", ""],
    ["  calls up at the memory snapshot (runtime: actors)", run ? `${run.cost.peak?.liveCalls ?? 0} (${run.actorsAtPeak})` : "—", String(base?.cost.peak?.liveCalls ?? "—"), "", "", ""],
    ["event-loop lag p50 / p99 / max ms", lag(run), lag(base), "", "", ""],
    ["ESL frames parsed per call", frames(run), frames(base), "", "", ""],
  ];
  printTable(
    `Calls: ${calls} at ${cps} CPS — HTTP originate → answer (${answerMs} ms) → play_and_get_digits → DTMF at ${dtmfAtMs} ms → uuid_kill; ${db}; bun ${Bun.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    ["figure", "runtime", "bare modesl", "ratio", "target", "verdict"],
    rows,
  );
  const passed = targets.filter((t) => t.pass).length;
  console.log(`\n${passed}/${targets.length} targets met: ${targets.map((t) => `${t.target} ${verdict(t.pass)}`).join("; ")}`);

  const notes: string[] = [];
  if (run) {
    const own = run.ownSamples.get("switchboard_event_to_command_seconds")?.length ?? 0;
    if (run.refusals.size) notes.push(`refused POSTs: ${[...run.refusals].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
    if (run.fig.eventToCommandMs.length !== 2 * run.fig.completed) notes.push(`runtime event→command samples ${run.fig.eventToCommandMs.length} for ${run.fig.completed} completed calls`);
    if (run.metricsCount("switchboard_event_to_command_seconds") !== own) notes.push(`/metrics event_to_command count ${run.metricsCount("switchboard_event_to_command_seconds")} ≠ captured samples ${own}`);
    notes.push(`GET /v1/calls/:id on ${[...run.statuses.values()].reduce((a, b) => a + b, 0)} sampled calls: ${[...run.statuses].map(([s, n]) => `${s} ×${n}`).join(", ")}`);
    notes.push(`commands written by the runtime: ${[...run.commandsWritten].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
    notes.push(`journal rows written per call: ${run.journalPerCall.eventRows.toFixed(1)} call_events rows, ${run.journalPerCall.cdrUpserts.toFixed(1)} CDR upserts`);
    notes.push(`runtime events per call: ${Object.entries(run.eventsPerCall).map(([k, n]) => `${k} ${n.toFixed(1)}`).join(", ")}`);
  }
  if (base) notes.push(`baseline events per call: ${Object.entries(base.eventsPerCall).map(([k, n]) => `${k} ${n.toFixed(1)}`).join(", ")}`);
  for (const n of notes) console.log(`note: ${n}`);

  const summary = (r: PassResult | null) =>
    r && {
      completed: r.fig.completed,
      peakConcurrentUp: r.fig.peakUp,
      sustainedCps: r.fig.originateCps,
      eventToCommandMs: P(r.fig.eventToCommandMs),
      eventToCommandSamples: r.fig.eventToCommandMs.length,
      setupMs: P(r.fig.setupMs),
      setupBeyondRingMs: beyondRing(r.fig.setupMs),
      cpuMs: r.cost.cpuMs,
      cpuMsPerCall: cpuPerCall(r),
      wallMs: r.cost.wallMs,
      peakMemory: r.cost.peak && {
        ...r.cost.peak,
        heapKiBPerLiveCall: kib(r.cost.peak.heapDeltaBytes, r.cost.peak.liveCalls),
        rssKiBPerLiveCall: kib(r.cost.peak.rssDeltaBytes, r.cost.peak.liveCalls),
      },
      eventLoopLagMs: r.cost.lag,
      eslFramesParsed: r.frames,
      eventsPerCall: r.eventsPerCall,
      timedOut: r.timedOut,
    };
  const path = await writeResult("calls", {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryMiB: Math.round(totalmem() / 2 ** 20), platform: process.platform, arch: process.arch, bun: Bun.version },
    parameters: { calls, cps, db, only: only ?? "both", warmupCalls, answerMs, dtmfAtMs, promptMs, gatherTimeoutMs, peakSnapshotAtMs: peakAtMs, prompt: PROMPT, order: ["baseline", "runtime"] },
    runtime: run && {
      ...summary(run),
      requestToOriginateMs: rO,
      handlerToOriginateMs: rOwnO,
      requestToResponseMs: rR,
      ownHistogramEventToCommandMs: rOwnE,
      eventToRouterMs: rQ,
      routerToCommandMs: rX,
      actorsAtPeakSnapshot: run.actorsAtPeak,
      refusedPosts: Object.fromEntries(run.refusals),
      commandsWritten: Object.fromEntries(run.commandsWritten),
      sampledCallStatuses: Object.fromEntries(run.statuses),
      journalRowsPerCall: run.journalPerCall,
    },
    baseline: summary(base),
    loopbackHttpFloorCpuMsPerRequest: httpFloor,
    ratios,
    targets,
    notes,
  });
  console.log(`\nwrote ${resolve(path)}`);
}
