/**
 * Post-call analysis: when a conversation ends, one model pass over what was
 * said and done (src/ai/analysis/) writes a summary and the caller's details
 * to its row, and `GET /v1/conversations/:id` shows them.
 *
 * Durable by the row itself. An ended conversation's analysis_status is null
 * until it is claimed (→ pending), then done, failed or skipped; a process
 * that dies with analyses queued or running leaves them null or pending, and
 * `recover()` at the next start takes them up again. The analysis reads the
 * stored row (after a journal flush, so the row is the final one), so a live
 * end and a recovery analyse the same thing.
 *
 * Bounded: at most `concurrency` model passes at once (the rest queue), each
 * bounded by `timeoutMs`, one retry after a transient failure (network,
 * timeout, 429, 5xx). A reply that fails validation is stored as failed with
 * the reason; nothing here throws into the runtime.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { AnalysisFailure, callerSpoke, type AnalysisModel } from "../ai/analysis/index.ts";
import type { Db } from "../db/client.ts";
import type { JournalWriter } from "../db/journal.ts";
import { claimAnalysis, dueAnalyses, finishAnalysis, type AnalysisResult } from "../db/queries/conversations.ts";
import { childLog } from "../log.ts";
import type { ConversationSink } from "./conversation-api.ts";

export interface PostCallAnalyserOptions {
  db: Db;
  journal: Pick<JournalWriter, "flush" | "append" | "resume">;
  /** null: analysis is off (POST_CALL_ANALYSIS=off) — ended conversations are marked skipped. */
  model: AnalysisModel | null;
  /** Model passes at once (ANALYSIS_CONCURRENCY; default 4). */
  concurrency?: number;
  /** Longest one model pass may take, ms (default 30 000). */
  timeoutMs?: number;
  /** Wait before the one retry, ms (default 500). */
  retryDelayMs?: number;
  log?: Logger;
}

export interface PostCallStats {
  queued: number;
  running: number;
  done: number;
  failed: number;
  skipped: number;
}

export class PostCallAnalyser {
  private readonly queue: string[] = [];
  /** Queued or running, so a conversation is analysed once however often its end is reported. */
  private readonly taken = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly counts = { done: 0, failed: 0, skipped: 0 };
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: PostCallAnalyserOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.log = opts.log ?? childLog({ mod: "runtime.post-call" });
  }

  /** The sink that stores conversations, plus: an ended one is queued for analysis. */
  sink(inner: ConversationSink): ConversationSink {
    return {
      upsert: (view) => {
        inner.upsert(view);
        if (!view.live) this.enqueue(view.id);
      },
    };
  }

  /** Queues a conversation's analysis (once; ignored while stopping — the next start recovers it). */
  enqueue(conversationId: string): void {
    if (this.stopping.signal.aborted || this.taken.has(conversationId)) return;
    this.taken.add(conversationId);
    this.queue.push(conversationId);
    this.pump();
  }

  /** Start-up: queues every ended conversation whose analysis never finished. Returns how many. */
  async recover(limit = 500): Promise<number> {
    const ids = await dueAnalyses(this.opts.db, limit);
    for (const id of ids) this.enqueue(id);
    if (ids.length > 0) this.log.info({ conversations: ids.length }, "post-call analyses left unfinished are resumed");
    return ids.length;
  }

  stats(): PostCallStats {
    return { queued: this.queue.length, running: this.running.size, ...this.counts };
  }

  /** Resolves when nothing is queued or running (tests; shutdown waits through stop()). */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work and aborts what runs: those stay pending in the database for the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.queue.length = 0;
    await Promise.allSettled([...this.running]);
    this.wakeIdle();
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const task: Promise<void> = this.analyse(id)
        .catch((err: unknown) => this.log.error({ conversationId: id, err: errorText(err) }, "post-call analysis could not run; the next start takes it up"))
        .finally(() => {
          this.running.delete(task);
          this.taken.delete(id);
          this.pump();
          if (this.queue.length === 0 && this.running.size === 0) this.wakeIdle();
        });
      this.running.add(task);
    }
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async analyse(id: string): Promise<void> {
    const { db, journal, model } = this.opts;
    // The ended row is buffered in the journal: written first, so the claim sees it and reads the final transcript.
    await journal.flush();
    const row = await claimAnalysis(db, id);
    if (!row) return; // not stored (a sink of its own), not ended, or analysed already
    if (!model) return this.finish(id, { status: "skipped", error: "post-call analysis is off (POST_CALL_ANALYSIS=off)" });
    const source = { outcome: row.outcome, endCause: row.endCause, transcript: row.transcript, toolCalls: row.toolCalls, flowPath: row.flowPath };
    if (!callerSpoke(source)) return this.finish(id, { status: "skipped", error: "the caller said nothing" });

    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs)]);
      try {
        const analysis = await model.analyse(source, signal);
        return this.finish(id, { status: "done", analysis });
      } catch (err) {
        if (this.stopping.signal.aborted) return; // left pending: the next start analyses it
        const failure = err instanceof AnalysisFailure ? err : new AnalysisFailure(errorText(err), true);
        const message = signal.aborted ? `no answer within ${this.timeoutMs} ms` : failure.message;
        if (attempt < 2 && (failure.transient || signal.aborted)) {
          this.log.warn({ conversationId: id, error: message }, "post-call analysis failed; retrying once");
          await sleep(this.retryDelayMs, undefined, { signal: this.stopping.signal }).catch(() => {}); // rejects (AbortError) on stop
          if (this.stopping.signal.aborted) return;
          continue;
        }
        return this.finish(id, { status: "failed", error: message });
      }
    }
  }

  private async finish(id: string, result: AnalysisResult): Promise<void> {
    const { db, journal } = this.opts;
    if (!(await finishAnalysis(db, id, result))) return;
    this.counts[result.status]++;
    // Journalled under the conversation's id, after its own events (its seq counter may be gone: read it back).
    await journal.resume(id);
    const data =
      result.status === "done"
        ? { success: result.analysis.success, outcome_reason: result.analysis.outcomeReason, model: result.analysis.model }
        : { reason: result.error };
    journal.append(id, { kind: "event", name: `ANALYSIS_${result.status.toUpperCase()}`, data });
    if (result.status === "failed") this.log.warn({ conversationId: id, error: result.error }, "post-call analysis failed");
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
