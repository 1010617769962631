/**
 * One 20 ms ticker for every audio stream of a simulated switch. Ticks are
 * aimed at absolute times (epoch + n × 20 ms), so lateness never accumulates;
 * each stream works out from the clock how many frames are due and sends the
 * ones it is behind on, so a late tick is caught up, not lost.
 */

export interface ClockedStream {
  /** Send every frame due by `now` (performance clock). */
  pump(now: number): void;
}

export const TICK_MS = 20;

export class MediaClock {
  private readonly streams = new Set<ClockedStream>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private epoch = 0;
  private tick = 0;

  add(stream: ClockedStream): void {
    this.streams.add(stream);
    if (!this.timer) {
      this.epoch = performance.now();
      this.tick = 0;
      this.schedule();
    }
  }

  delete(stream: ClockedStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stop();
  }

  get size(): number {
    return this.streams.size;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const now = performance.now();
    // After a stall, aim at the next boundary rather than firing a burst of stale ticks.
    this.tick = Math.max(this.tick + 1, Math.floor((now - this.epoch) / TICK_MS) + 1);
    const at = this.epoch + this.tick * TICK_MS;
    this.timer = setTimeout(() => this.run(), Math.max(0, at - now));
    // The ticker alone never keeps a process alive.
    this.timer.unref?.();
  }

  private run(): void {
    const now = performance.now();
    for (const stream of this.streams) {
      try {
        stream.pump(now);
      } catch (err) {
        // One broken stream must not stop the others' audio.
        console.error("switch simulator: audio stream failed:", err);
        this.streams.delete(stream);
      }
    }
    if (this.streams.size > 0) this.schedule();
    else this.timer = undefined;
  }
}
