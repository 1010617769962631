/**
 * A stream's outgoing messages, each due at a wall-clock time, sent in the
 * order they were made (the real service answers one stream in order): a
 * message never overtakes an earlier one, so its due time is at least the
 * previous one's. A message may be marked as superseded by the next final
 * (an interim): a final drops those still waiting instead of queueing behind
 * them, so an interim's latency never delays a final. One timer per stream,
 * armed for the head of the queue.
 */

interface Pending {
  /** When it was meant to go out. */
  due: number;
  /** When it goes out: not before the message queued ahead of it. */
  at: number;
  type: string;
  text: string;
  interim: boolean;
}

export class Outbox {
  private readonly queue: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastAt = 0;
  private lastSentAt = 0;
  private drained: (() => void) | null = null;

  constructor(private readonly send: (text: string, type: string) => void) {}

  get size(): number {
    return this.queue.length;
  }

  /** Queue `text` to go out at performance.now() time `at` (or after everything queued before it). */
  push(type: string, text: string, at: number, interim = false): void {
    this.lastAt = Math.max(at, this.lastAt);
    this.queue.push({ due: at, at: this.lastAt, type, text, interim });
    this.arm();
  }

  /** Drop the interims still waiting: a final that covers them is about to be queued. */
  dropInterims(): void {
    if (!this.queue.some((p) => p.interim)) return;
    const kept = this.queue.filter((p) => !p.interim);
    this.queue.length = 0;
    this.lastAt = this.lastSentAt;
    for (const p of kept) {
      // What waited only for a dropped interim may go sooner now.
      this.lastAt = Math.max(p.due, this.lastAt);
      this.queue.push({ ...p, at: this.lastAt });
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.arm();
  }

  /** Run `fn` once everything queued has been sent. */
  whenDrained(fn: () => void): void {
    if (this.queue.length === 0) fn();
    else this.drained = fn;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.drained = null;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.queue[0]!.at - performance.now()));
  }

  private flush(): void {
    this.timer = null;
    const now = performance.now();
    // Timers fire up to a millisecond early or late; anything due by now goes.
    while (this.queue.length > 0 && this.queue[0]!.at <= now + 1) {
      const next = this.queue.shift()!;
      this.lastSentAt = next.at;
      this.send(next.text, next.type);
    }
    if (this.queue.length > 0) this.arm();
    else if (this.drained) {
      const fn = this.drained;
      this.drained = null;
      fn();
    }
  }
}
