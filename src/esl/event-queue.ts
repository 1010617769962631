/**
 * The bounded queue between decoding and the consumer.
 *
 * Policy (ARCHITECTURE principle 8, "backpressure, not buffering forever"):
 *  1. Events are delivered in arrival order, one at a time; an async handler is
 *     awaited before the next event is handed over. A handler that throws is
 *     logged and delivery goes on.
 *  2. Depth reaching `highWater` pauses reading the socket (onPause → socket.pause()),
 *     so the kernel's receive buffer fills and TCP pushes back on FreeSWITCH,
 *     which holds events in its own per-listener queue.
 *  3. Depth falling to `lowWater` resumes reading (onResume → socket.resume()).
 *  4. Pausing is not instant: bytes already read (one chunk can hold hundreds of
 *     frames) are still decoded. If depth would exceed `capacity`, one event is
 *     shed — counted and logged, never silently — choosing, in this order:
 *     HEARTBEAT; other non-channel events (BACKGROUND_JOB: the client has already
 *     settled the bgapi call it answers); informational channel events
 *     (callstate, progress, park, execute start, playback start, outgoing, data);
 *     and only then lifecycle channel events (create, answer, bridge,
 *     execute_complete, dtmf, hangup, destroy, …). Within a tier the oldest goes.
 *     Memory therefore never exceeds `capacity` events.
 *
 * FreeSWITCH itself disconnects a listener whose queue overflows
 * (mod_event_socket MAX_QUEUE_LEN), so pausing for long is not free either:
 * the consumer has to keep up on average; the queue only absorbs bursts.
 */
import { childLog } from "../log.ts";
import type { SwitchEvent } from "../../machines/switch/index.ts";

const log = childLog({ mod: "esl.queue" });

export interface QueueLimits {
  /** Pause reading the socket at this depth. */
  highWater: number;
  /** Resume reading at this depth. */
  lowWater: number;
  /** Hard bound: shed above this depth. */
  capacity: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { highWater: 2000, lowWater: 500, capacity: 20000 };

export interface EventQueueOptions<T> {
  limits?: Partial<QueueLimits>;
  deliver: (item: T) => void | Promise<void>;
  /** Lower tiers are shed first. */
  tierOf: (item: T) => number;
  onPause?: () => void;
  onResume?: () => void;
  /** For the log line when shedding. */
  describe?: (item: T) => Record<string, unknown>;
  /** Queue but do not deliver until release() (lets a consumer register first). */
  held?: boolean;
}

export interface EventQueueStats {
  depth: number;
  delivered: number;
  dropped: number;
  pausedCount: number;
  paused: boolean;
  handlerErrors: number;
}

export class BoundedEventQueue<T> {
  readonly limits: QueueLimits;
  private items: T[] = [];
  private head = 0;
  private tierCounts: number[] = [];
  private draining = false;
  private paused = false;
  private closed = false;
  private held: boolean;
  private idleWaiters: Array<() => void> = [];
  private counters = { delivered: 0, dropped: 0, pausedCount: 0, handlerErrors: 0 };

  constructor(private readonly opts: EventQueueOptions<T>) {
    const limits = { ...DEFAULT_QUEUE_LIMITS, ...opts.limits };
    if (!(limits.lowWater < limits.highWater && limits.highWater <= limits.capacity && limits.lowWater >= 0)) {
      throw new RangeError(`queue limits must satisfy 0 <= lowWater < highWater <= capacity: ${JSON.stringify(limits)}`);
    }
    this.limits = limits;
    this.held = opts.held ?? false;
  }

  /** Start delivering (after construction with `held: true`). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (!this.draining && this.depth > 0) void this.drain();
  }

  get depth(): number {
    return this.items.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  stats(): EventQueueStats {
    return { depth: this.depth, paused: this.paused, ...this.counters };
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.depth >= this.limits.capacity) {
      if (!this.shedFor(item)) return;
    }
    this.items.push(item);
    this.countTier(this.opts.tierOf(item), 1);
    if (!this.paused && this.depth >= this.limits.highWater) {
      this.paused = true;
      this.counters.pausedCount++;
      log.warn({ depth: this.depth, highWater: this.limits.highWater }, "event consumer behind: pausing ESL socket reads");
      this.opts.onPause?.();
    }
    if (!this.draining && !this.held) void this.drain();
  }

  /** Resolves when the queue is empty and no delivery is in progress. */
  whenIdle(): Promise<void> {
    if (this.closed || (this.depth === 0 && !this.draining)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop delivering; queued events are discarded (the link they belong to is gone). */
  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.tierCounts = [];
    this.settleIdle();
  }

  /** Make room for `incoming`; false when `incoming` itself is the one shed. */
  private shedFor(incoming: T): boolean {
    const incomingTier = this.opts.tierOf(incoming);
    let lowest = -1;
    for (let t = 0; t <= incomingTier; t++) {
      if ((this.tierCounts[t] ?? 0) > 0) {
        lowest = t;
        break;
      }
    }
    this.counters.dropped++;
    if (lowest !== -1) {
      // The oldest event of the lowest tier present goes (within a tier, the newest state is worth more).
      for (let i = this.head; i < this.items.length; i++) {
        const item = this.items[i]!;
        if (this.opts.tierOf(item) === lowest) {
          this.items.splice(i, 1);
          this.countTier(lowest, -1);
          this.logDrop(item);
          return true;
        }
      }
    }
    // Everything queued outranks the newcomer: it is the one shed.
    this.logDrop(incoming);
    return false;
  }

  private logDrop(item: T): void {
    log.warn(
      { ...(this.opts.describe?.(item) ?? {}), depth: this.depth, capacity: this.limits.capacity, dropped: this.counters.dropped },
      "event queue full: event shed",
    );
  }

  private countTier(tier: number, delta: number): void {
    this.tierCounts[tier] = (this.tierCounts[tier] ?? 0) + delta;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.closed && this.head < this.items.length) {
        const item = this.items[this.head]!;
        this.items[this.head] = undefined as T;
        this.head++;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        this.countTier(this.opts.tierOf(item), -1);
        this.maybeResume();
        try {
          await this.opts.deliver(item);
        } catch (err) {
          this.counters.handlerErrors++;
          log.error({ err, ...(this.opts.describe?.(item) ?? {}) }, "event handler threw; delivery continues");
        }
        this.counters.delivered++;
      }
    } finally {
      this.draining = false;
      if (this.head >= this.items.length) {
        this.items = [];
        this.head = 0;
      }
      this.maybeResume();
      this.settleIdle();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.depth <= this.limits.lowWater) {
      this.paused = false;
      this.opts.onResume?.();
    }
  }

  private settleIdle(): void {
    if (this.depth !== 0 || this.draining) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Shedding tiers for SwitchEvents (lower is shed first); see the policy above. */
export function switchEventTier(event: SwitchEvent): number {
  switch (event.kind) {
    case "heartbeat":
      return 0;
    case "background_job":
      return 1;
    case "channel.callstate":
    case "channel.progress":
    case "channel.progress_media":
    case "channel.park":
    case "channel.execute":
    case "channel.outgoing":
    case "channel.data":
    case "playback.start":
      return 2;
    default:
      return 3;
  }
}

export function describeSwitchEvent(event: SwitchEvent): Record<string, unknown> {
  return { eventName: event.eventName, uuid: "uuid" in event ? event.uuid : undefined, sequence: event.sequence };
}
