/**
 * What one bench pass costs its process: CPU time, event-loop lag, and the
 * heap / RSS held per live call at peak concurrency (both read after a full
 * collection, so the delta is live memory, not garbage).
 */
import { EventLoopLag } from "../../src/runtime/event-loop-lag.ts";

export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PassCost {
  /** User + system CPU of this process over the pass, less the forced collection at peak. */
  cpuMs: number;
  wallMs: number;
  /** Lag outside the forced collection at peak: the worse of the two segments around it. */
  lag: LagFigures;
  peak: { liveCalls: number; heapDeltaBytes: number; rssDeltaBytes: number; gcMs: number } | null;
}

function memory(): { heap: number; rss: number } {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

export class PassProbe {
  private readonly before = memory();
  private readonly cpu0 = process.cpuUsage();
  private readonly t0 = performance.now();
  private lag = new EventLoopLag();
  private lagBefore: LagFigures | null = null;
  private peak: PassCost["peak"] = null;

  /** Read memory now (call it when every call is up and no event is expected). */
  snapshotPeak(liveCalls: number): void {
    this.lagBefore = this.lag.snapshot();
    this.lag.stop();
    const t = performance.now();
    const m = memory();
    this.peak = { liveCalls, heapDeltaBytes: m.heap - this.before.heap, rssDeltaBytes: m.rss - this.before.rss, gcMs: performance.now() - t };
    this.lag = new EventLoopLag();
  }

  finish(): PassCost {
    const cpu = process.cpuUsage(this.cpu0);
    const wallMs = performance.now() - this.t0;
    const after = this.lag.snapshot();
    this.lag.stop();
    const a = this.lagBefore ?? after;
    const lag: LagFigures = { p50: Math.max(a.p50, after.p50), p99: Math.max(a.p99, after.p99), max: Math.max(a.max, after.max), mean: (a.mean + after.mean) / 2 };
    // The forced collection at peak is the bench's, not the pass's: its time is taken out.
    const cpuMs = (cpu.user + cpu.system) / 1000 - (this.peak?.gcMs ?? 0);
    return { cpuMs, wallMs, lag, peak: this.peak };
  }
}
