/**
 * Warnings a peer can provoke at network rate (refused connections, refused
 * upgrades, garbage frames) must not flood the log: the first of each kind is
 * logged at once, the rest are summed into one line per interval, with a few
 * samples (e.g. source addresses). A quiet interval re-arms "log the first one
 * at once". The counters, not the log, are the record.
 */
import type { Logger } from "./log.ts";

/** Samples kept per kind in a summary line. */
const MAX_SAMPLES = 5;

export class ThrottledLog {
  private readonly seen = new Set<string>();
  private suppressed = new Map<string, { count: number; samples: Set<string> }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly log: Logger,
    /** The summary line's message, e.g. "outbound socket connections refused meanwhile". */
    private readonly summary: string,
    private readonly intervalMs = 10_000,
  ) {}

  /** `sample` (a source address, a call id) is what the summary line lists for the kind. */
  warn(kind: string, fields: Record<string, unknown>, message: string, sample?: string): void {
    if (!this.seen.has(kind)) {
      this.seen.add(kind);
      this.log.warn({ kind, ...fields }, message);
      this.arm();
      return;
    }
    const entry = this.suppressed.get(kind) ?? { count: 0, samples: new Set<string>() };
    entry.count++;
    if (sample !== undefined && entry.samples.size < MAX_SAMPLES) entry.samples.add(sample);
    this.suppressed.set(kind, entry);
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const quiet = this.suppressed.size === 0;
      this.flush();
      if (quiet) this.seen.clear();
      else this.arm();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private flush(): void {
    if (this.suppressed.size === 0) return;
    const byKind = Object.fromEntries([...this.suppressed].map(([kind, e]) => [kind, { count: e.count, samples: [...e.samples] }]));
    this.suppressed = new Map();
    this.log.warn({ suppressed: byKind, intervalMs: this.intervalMs }, this.summary);
  }
}
