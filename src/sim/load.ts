/**
 * Load generation for bench/: place many inbound calls at a steady rate into
 * an outbound-socket target (the runtime), each a real channel with the full
 * event flow, and report how it went.
 *
 *   const sim = new SwitchSimulator({ port: 0 });
 *   await sim.start();
 *   const report = await placeInboundCalls(sim, {
 *     count: 1000, ratePerSec: 100, socket: { host: "127.0.0.1", port: 8084 },
 *     to: "2000", script: { hangupAfterMs: 30_000 },
 *   });
 *
 * Also runnable: bun run src/sim/load.ts --target 127.0.0.1:8084 --count 1000 --rate 100 [--hangup-after-ms 30000]
 */

import { parseArgs } from "node:util";
import type { CallerBehaviourInput } from "./scenario.ts";
import { SwitchSimulator } from "./index.ts";

export interface InboundLoadOptions {
  /** How many calls to place. */
  count: number;
  /** Calls started per second (spread evenly; timers are batched per 10 ms tick). */
  ratePerSec: number;
  /** The app's outbound-socket server. */
  socket: { host: string; port: number };
  /** Called number; default "2000". A function gets the call index. */
  to?: string | ((index: number) => string);
  /** Caller-ID number; default 1555000NNNN. */
  from?: string | ((index: number) => string);
  /** Socket app mode; default "async full". */
  mode?: string;
  /** What every caller does (hang up after, DTMF, speech); default the scenario's caller rule. */
  script?: CallerBehaviourInput;
  /** Called for each call once its socket is connected (or failed). */
  onCall?: (result: { index: number; uuid?: string; error?: Error; connectMs: number }) => void;
}

export interface InboundLoadReport {
  placed: number;
  connected: number;
  failed: number;
  uuids: string[];
  errors: string[];
  /** Wall time from the first call to the last connect. */
  elapsedMs: number;
  /** Achieved call rate. */
  callsPerSec: number;
  /** Socket connect latency percentiles (ms). */
  connectMs: { p50: number; p95: number; p99: number; max: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Place `count` inbound calls at `ratePerSec` into the outbound-socket target. */
export async function placeInboundCalls(sim: SwitchSimulator, opts: InboundLoadOptions): Promise<InboundLoadReport> {
  const started = performance.now();
  const uuids: string[] = [];
  const errors: string[] = [];
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const tickMs = 10;
  let placed = 0;
  const toFor = (i: number) => (typeof opts.to === "function" ? opts.to(i) : (opts.to ?? "2000"));
  const fromFor = (i: number) => (typeof opts.from === "function" ? opts.from(i) : (opts.from ?? `1555${String(i).padStart(7, "0")}`));

  const placeOne = (index: number) => {
    const t0 = performance.now();
    const p = sim
      .placeInboundCall({
        from: fromFor(index),
        to: toFor(index),
        socket: opts.socket,
        ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
        ...(opts.script ? { script: opts.script } : {}),
      })
      .then(
        (uuid) => {
          const connectMs = performance.now() - t0;
          uuids.push(uuid);
          latencies.push(connectMs);
          opts.onCall?.({ index, uuid, connectMs });
        },
        (err: Error) => {
          errors.push(err.message);
          opts.onCall?.({ index, error: err, connectMs: performance.now() - t0 });
        },
      );
    pending.push(p);
  };

  // One shared timer: each tick places however many calls the rate says are due.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(opts.count, Math.floor(((performance.now() - started) / 1000) * opts.ratePerSec) + 1);
      while (placed < due) placeOne(placed++);
      if (placed >= opts.count) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await Promise.all(pending);
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    placed,
    connected: uuids.length,
    failed: errors.length,
    uuids,
    errors: [...new Set(errors)],
    elapsedMs,
    callsPerSec: placed / (elapsedMs / 1000),
    connectMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      count: { type: "string", default: "100" },
      rate: { type: "string", default: "10" },
      to: { type: "string", default: "2000" },
      "hangup-after-ms": { type: "string" },
      port: { type: "string", default: "0" },
      password: { type: "string", default: "ClueCon" },
    },
  });
  const [host, port] = (values.target ?? "").split(":");
  if (!host || !port) {
    console.error("usage: bun run src/sim/load.ts --target host:port [--count N] [--rate N] [--to 2000] [--hangup-after-ms ms]");
    process.exit(2);
  }
  const sim = new SwitchSimulator({ port: Number(values.port), password: values.password });
  const { port: eslPort } = await sim.start();
  console.log(`simulator event socket on 127.0.0.1:${eslPort}; placing ${values.count} calls at ${values.rate}/s into ${host}:${port}`);
  const report = await placeInboundCalls(sim, {
    count: Number(values.count),
    ratePerSec: Number(values.rate),
    socket: { host, port: Number(port) },
    to: values.to,
    ...(values["hangup-after-ms"] ? { script: { hangupAfterMs: Number(values["hangup-after-ms"]) } } : {}),
  });
  const { uuids: _uuids, ...summary } = report;
  console.log(JSON.stringify(summary, null, 2));
  await sim.stop();
}

if (import.meta.main) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
