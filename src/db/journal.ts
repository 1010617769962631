/**
 * JournalWriter: the runtime's one road into the call journal and the CDR.
 *
 * - append() assigns the next per-call seq and buffers the row; upsertCall()
 *   buffers a CDR change, coalesced per call id.
 * - Buffers are written in batches: when `maxBatchRows` rows are waiting, or
 *   `flushIntervalMs` after the first buffered row — one INSERT per batch (events),
 *   one INSERT … ON CONFLICT per batch (CDR), never one statement per event.
 * - A transient database error (connection lost, server shutting down,
 *   serialization failure) leaves the rows buffered and retries with exponential
 *   backoff. A permanent error (a row the database refuses) never costs the rest
 *   of the batch, and never silently: the batch is retried with unstorable
 *   strings (NUL, lone surrogates: storable.ts) replaced by U+FFFD, then row by
 *   row; a row still refused is dropped. Each sanitised or dropped row is logged
 *   at error and counted (stats().refusedByDb, on /metrics), and a CDR row is
 *   thereby stored even when a caller name or snapshot held such a string — the
 *   call never goes missing from the API or across a restart.
 * - upsertConversation() buffers a conversation row (coalesced per id, written
 *   after the CDRs it references), with the same refusal handling. A database
 *   error is logged by its code and the driver's message only: drizzle's error
 *   text carries the statement's parameters, and a conversation's include its
 *   system prompt, which is never logged.
 * - Backpressure: the event buffer is bounded. At `highWaterRows` append() still
 *   accepts but reports `overloaded: true` (the caller should slow down, e.g. stop
 *   reading its ESL socket; `whenDrained()` says when to resume). At
 *   `maxBufferedRows` append() refuses the row (`accepted: false`): nothing is
 *   silently lost, the caller knows that row was not journalled. CDR upserts are
 *   not capped: they coalesce to one entry per live call.
 * - flush() writes everything buffered (for SIGTERM) and rejects only after
 *   `flushAttempts` consecutive transient failures; the rows then stay buffered.
 *
 * Seq: monotonic per call id, starting at 1. A call resumed after a restart must be
 * seeded first (resume() reads max(seq) from the database, or seedSeq() with a known
 * value): an unseeded call would reuse seqs, and the (call_id, seq) unique key would
 * ignore those rows as replays.
 *
 * The API's types are journal-contract.ts; the refusal path (sanitise, then row
 * by row, then drop) is journal-salvage.ts; judging a database error is db-errors.ts.
 */
import type { Logger } from "pino";
import { childLog } from "../log.ts";
import type { Db } from "./client.ts";
import { appendEvents, maxEventSeq } from "./queries/call-events.ts";
import { upsertCalls } from "./queries/calls.ts";
import { upsertConversations } from "./queries/conversations.ts";
import type { NewCall, NewCallEvent, NewConversation } from "./schema.ts";
import { dbErrorForLog, isTransientDbError } from "./db-errors.ts";
import type { AppendResult, JournalEntry, JournalStats, JournalWriterOptions } from "./journal-contract.ts";
import { RefusedRowSalvage } from "./journal-salvage.ts";

// The contract types, the error judgement and the refusal path live in their own modules; importable from here as before.
export {
  JOURNAL_TABLES,
  type AppendResult,
  type JournalEntry,
  type JournalStats,
  type JournalTable,
  type JournalWriterOptions,
} from "./journal-contract.ts";
export { dbErrorForLog, isTransientDbError } from "./db-errors.ts";

export class JournalWriter {
  private readonly flushIntervalMs: number;
  private readonly maxBatchRows: number;
  private readonly maxBufferedRows: number;
  private readonly highWaterRows: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly flushAttempts: number;
  private readonly log: Logger;

  private events: NewCallEvent[] = [];
  private pendingCalls = new Map<string, NewCall>();
  private pendingConversations = new Map<string, NewConversation>();
  private readonly seqs = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private counters = { eventsWritten: 0, duplicates: 0, callsWritten: 0, conversationsWritten: 0, rejected: 0 };
  private readonly refusals: RefusedRowSalvage;

  constructor(
    private readonly db: Db,
    opts: JournalWriterOptions = {},
  ) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 25;
    this.maxBatchRows = Math.max(1, opts.maxBatchRows ?? 500);
    this.maxBufferedRows = Math.max(this.maxBatchRows, opts.maxBufferedRows ?? 20_000);
    this.highWaterRows = Math.min(opts.highWaterRows ?? Math.floor(this.maxBufferedRows * 0.8), this.maxBufferedRows);
    this.retryBaseMs = opts.retryBaseMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 5_000;
    this.flushAttempts = Math.max(1, opts.flushAttempts ?? 5);
    this.log = opts.log ?? childLog({ mod: "journal" });
    this.refusals = new RefusedRowSalvage(this.log, opts.onDropped);
  }

  /** Journals one entry for a call under the call's next seq. */
  append(callId: string, entry: JournalEntry): AppendResult {
    if (this.closed) return { accepted: false, reason: "closed" };
    if (this.events.length >= this.maxBufferedRows) {
      this.counters.rejected++;
      return { accepted: false, reason: "overloaded" };
    }
    const seq = (this.seqs.get(callId) ?? 0) + 1;
    this.seqs.set(callId, seq);
    this.events.push({
      callId,
      seq,
      kind: entry.kind,
      name: entry.name,
      data: entry.data ?? null,
      at: entry.at ?? new Date(),
    });
    this.schedule();
    return { accepted: true, seq, overloaded: this.events.length >= this.highWaterRows };
  }

  /**
   * Buffers a CDR insert-or-update. Defined fields overwrite earlier buffered ones
   * for the same call; undefined fields leave the stored column alone. (direction
   * and to_number are required so the row can be created if it does not exist.)
   */
  upsertCall(row: NewCall): void {
    if (this.closed) throw new Error("JournalWriter is closed");
    const defined = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as NewCall;
    this.pendingCalls.set(row.id, { ...this.pendingCalls.get(row.id), ...defined });
    this.schedule();
  }

  /**
   * Buffers a conversation row (runtime/conversation-record.ts makes it from
   * the actor's context). Defined fields overwrite earlier buffered ones for
   * the same conversation; it is written after the CDR rows buffered with it,
   * so a conversation and its call started together land in order.
   */
  upsertConversation(row: NewConversation): void {
    if (this.closed) throw new Error("JournalWriter is closed");
    const defined = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as NewConversation;
    this.pendingConversations.set(row.id, { ...this.pendingConversations.get(row.id), ...defined });
    this.schedule();
  }

  /** Continue a call's seq after `lastSeq` (never moves backwards). */
  seedSeq(callId: string, lastSeq: number): void {
    if (lastSeq > (this.seqs.get(callId) ?? 0)) this.seqs.set(callId, lastSeq);
  }

  /** Seeds a resumed call from the journal's max(seq); returns the seq the next append follows. */
  async resume(callId: string): Promise<number> {
    this.seedSeq(callId, await maxEventSeq(this.db, callId));
    return this.seqs.get(callId) ?? 0;
  }

  /** The last seq assigned to a call (0 when none). */
  lastSeq(callId: string): number {
    return this.seqs.get(callId) ?? 0;
  }

  /** Drops a finished call's seq counter (after its last entry), bounding memory. */
  forget(callId: string): void {
    this.seqs.delete(callId);
  }

  get overloaded(): boolean {
    return this.events.length >= this.highWaterRows;
  }

  /** Resolves once the event buffer is back under half the high-water mark. */
  whenDrained(): Promise<void> {
    if (this.events.length <= this.lowWaterRows()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  stats(): JournalStats {
    return {
      ...this.counters,
      dropped: this.refusals.dropped,
      refusedByDb: this.refusals.refusedCounts(),
      bufferedEvents: this.events.length,
      bufferedCalls: this.pendingCalls.size,
      bufferedConversations: this.pendingConversations.size,
      consecutiveFailures: this.failures,
    };
  }

  /**
   * Writes everything buffered, including rows appended while it runs. Rejects
   * after `flushAttempts` consecutive transient failures, rows still buffered.
   */
  async flush(): Promise<void> {
    this.clearTimer();
    let attempt = 0;
    for (;;) {
      if (this.inFlight) {
        await this.inFlight.catch(() => {});
        continue;
      }
      if (this.isEmpty()) return;
      try {
        await this.startWrite();
        attempt = 0;
      } catch (err) {
        attempt++;
        if (attempt >= this.flushAttempts) {
          this.armTimer(this.backoffMs(this.failures)); // keep retrying in the background
          throw err;
        }
        await sleep(this.backoffMs(attempt));
      }
    }
  }

  /** Refuses further appends and flushes what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      this.clearTimer();
    }
  }

  private isEmpty(): boolean {
    return this.events.length === 0 && this.pendingCalls.size === 0 && this.pendingConversations.size === 0;
  }

  private lowWaterRows(): number {
    return Math.floor(this.highWaterRows / 2);
  }

  /** Arms the batch timer, or writes at once when a full batch is waiting. */
  private schedule(): void {
    if (this.inFlight || this.failures > 0) return; // the running write / pending retry picks new rows up
    if (this.events.length >= this.maxBatchRows) {
      this.clearTimer();
      this.backgroundWrite();
    } else if (!this.timer) {
      this.armTimer(this.flushIntervalMs);
    }
  }

  private armTimer(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.backgroundWrite();
    }, ms);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private backgroundWrite(): void {
    if (this.inFlight || this.isEmpty()) return;
    this.startWrite().then(
      () => {
        if (!this.isEmpty()) this.schedule();
      },
      (err: unknown) => {
        const delay = this.backoffMs(this.failures);
        this.log.warn(
          { dbError: dbErrorForLog(err), failures: this.failures, retryInMs: delay, buffered: this.events.length },
          "journal write failed; rows kept, retrying",
        );
        this.armTimer(delay);
      },
    );
  }

  private startWrite(): Promise<void> {
    const run = this.writeAll().then(
      () => {
        this.failures = 0;
      },
      (err: unknown) => {
        this.failures++;
        throw err;
      },
    );
    const tracked: Promise<void> = run.finally(() => {
      if (this.inFlight === tracked) this.inFlight = undefined;
    });
    this.inFlight = tracked;
    return tracked;
  }

  /** Writes batches until both buffers are empty; a transient error throws with the rest still buffered. */
  private async writeAll(): Promise<void> {
    while (!this.isEmpty()) {
      if (this.events.length > 0) {
        // Appends only push to the tail, so the head is still this batch when it is written.
        const batch = this.events.slice(0, this.maxBatchRows);
        await this.writeEvents(batch);
        this.events.splice(0, batch.length);
        this.wakeDrainWaiters();
      }
      // CDRs and conversations are taken together, then CDRs written first: a conversation row references
      // its call's, which was buffered before it, so it is in this CDR batch or already written. (Taken after
      // the CDR write, a conversation started meanwhile would land before its call's row: a foreign-key refusal.)
      const calls = this.pendingCalls;
      const conversations = this.pendingConversations;
      this.pendingCalls = new Map();
      this.pendingConversations = new Map();
      // Put a batch back under any newer changes buffered meanwhile.
      const putBackCalls = () => {
        for (const [id, row] of calls) this.pendingCalls.set(id, { ...row, ...this.pendingCalls.get(id) });
      };
      const putBackConversations = () => {
        for (const [id, row] of conversations) this.pendingConversations.set(id, { ...row, ...this.pendingConversations.get(id) });
      };
      if (calls.size > 0) {
        try {
          await this.writeCalls([...calls.values()]);
        } catch (err) {
          putBackCalls();
          putBackConversations();
          throw err;
        }
      }
      if (conversations.size > 0) {
        try {
          await this.writeConversations([...conversations.values()]);
        } catch (err) {
          putBackConversations();
          throw err;
        }
      }
    }
  }

  private async writeEvents(batch: NewCallEvent[]): Promise<void> {
    const write = async (rows: NewCallEvent[]) => this.countEvents(await appendEvents(this.db, rows));
    try {
      await write(batch);
    } catch (err) {
      if (isTransientDbError(err) || batch.length === 0) throw err;
      await this.refusals.salvage(batch, write, "events", err);
    }
  }

  private async writeCalls(batch: NewCall[]): Promise<void> {
    const write = async (rows: NewCall[]) => {
      await upsertCalls(this.db, rows);
      this.counters.callsWritten += rows.length;
    };
    try {
      await write(batch);
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      await this.refusals.salvage(batch, write, "calls", err);
    }
  }

  private async writeConversations(batch: NewConversation[]): Promise<void> {
    const write = async (rows: NewConversation[]) => {
      await upsertConversations(this.db, rows);
      this.counters.conversationsWritten += rows.length;
    };
    try {
      await write(batch);
    } catch (err) {
      if (isTransientDbError(err)) throw err;
      await this.refusals.salvage(batch, write, "conversations", err);
    }
  }

  private countEvents(outcome: { inserted: number; duplicates: number }): void {
    this.counters.eventsWritten += outcome.inserted;
    this.counters.duplicates += outcome.duplicates;
  }

  private wakeDrainWaiters(): void {
    if (this.drainWaiters.length === 0 || this.events.length > this.lowWaterRows()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private backoffMs(failures: number): number {
    return Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.max(0, failures - 1));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
