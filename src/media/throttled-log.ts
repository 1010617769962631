/**
 * Warnings that a peer can provoke at frame rate (refused upgrades, garbage
 * text frames, odd-sized frames) must not flood the log: the first of each kind
 * is logged at once, the rest are summed into one line per interval. The
 * counters, not the log, are the record.
 */
import type { Logger } from "../log.ts";

export class ThrottledLog {
  private readonly seen = new Set<string>();
  private suppressed = new Map<string, { count: number; sample: Record<string, unknown> }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    if (!this.seen.has(kind)) {
      this.seen.add(kind);
      this.log.warn({ kind, ...fields }, message);
      this.arm();
      return;
    }
    const entry = this.suppressed.get(kind);
    if (entry) entry.count++;
    else this.suppressed.set(kind, { count: 1, sample: fields });
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
      // A quiet interval re-arms "log the first one at once".
      if (quiet) this.seen.clear();
      else this.arm();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private flush(): void {
    if (this.suppressed.size === 0) return;
    const byKind = Object.fromEntries([...this.suppressed].map(([kind, e]) => [kind, e]));
    this.suppressed = new Map();
    this.log.warn({ suppressed: byKind, intervalMs: this.intervalMs }, "media: repeated warnings meanwhile");
  }
}
