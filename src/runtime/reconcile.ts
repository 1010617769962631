/**
 * Reconcile: after a restart (kill -9, SIGTERM, a crash), the database still
 * shows the calls the previous run had live. Each is checked against the
 * switch's own channel list (the link's resync: `show channels as json`):
 *
 *  - the switch still has the channel → its actor is resumed from the
 *    persisted snapshot (CallRuntime.resume) and can be driven as before;
 *  - the switch no longer has it → it ended while nobody was listening. The row
 *    is closed with what is known and nothing invented:
 *      status      completed if it was answered; otherwise what its last known
 *                  hangup cause says (busy, no-answer), canceled if our API had
 *                  asked to cancel it, else failed;
 *      hangup_cause, q850, hangup_by  as last journalled (null when the switch
 *                  never told us: the cause is unknown, not NORMAL_CLEARING);
 *      ended_at    the last moment the runtime saw it live (its last journal
 *                  entry or CDR update), never later than now, so talk_sec
 *                  never bills time nobody observed;
 *      error       "ended while the runtime was down …";
 *    and the journal gets an ENDED_WHILE_DOWN entry.
 *
 * Calls this runtime holds (live, or just ended and still being written) are
 * left to their actors: the database never overrules a live actor, so a call's
 * API state and its actor's state cannot disagree. It runs on every resync (the
 * first connect and every reconnect), one pass at a time; start-up waits for the
 * first pass before it serves the API.
 */
import { callOutcome, type CancelledBy } from "../../machines/call-outcome.ts";
import type { Db } from "../db/client.ts";
import type { JournalWriter } from "../db/journal.ts";
import { listLiveCalls, type LiveCallRow } from "../db/queries/live-calls.ts";
import type { NewCall } from "../db/schema.ts";
import type { ResyncReport } from "../../machines/switch/index.ts";
import { childLog } from "../log.ts";
import type { CallRuntime } from "./call-runtime.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import type { SwitchLink } from "./switch-link.ts";

const log = childLog({ mod: "runtime.reconcile" });

export const ENDED_WHILE_DOWN = "ended while the runtime was down: the switch no longer had the channel when the runtime started again";
const UNRESUMABLE = "could not be resumed after a restart: no usable snapshot; hung up";

export interface ReconcileDeps {
  db: Db;
  runtime: Pick<CallRuntime, "holds" | "resume">;
  journal: Pick<JournalWriter, "seedSeq" | "append" | "upsertCall" | "forget" | "flush">;
  link: Pick<SwitchLink, "send">;
  metrics: Pick<RuntimeMetrics, "callsReconciled" | "callsEnded">;
  now?: () => number;
}

export interface ReconcileReport {
  resumed: string[];
  closed: string[];
}

export class CallReconciler {
  private pass: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReconcileDeps) {}

  /** Queue a pass against the switch's channels as one resync saw them. */
  onResync(report: ResyncReport): Promise<ReconcileReport> {
    const onSwitch = new Set([...report.survived, ...report.discovered].map((c) => c.uuid));
    const run = this.pass.then(() => this.run(onSwitch));
    this.pass = run.catch((err) => log.error({ err }, "reconcile failed; the next resync tries again"));
    return run;
  }

  /** Resolves when every queued pass has finished (failed passes included). */
  whenIdle(): Promise<void> {
    return this.pass.then(() => undefined);
  }

  /** One pass: every call the database has as live, against the channels the switch has. */
  async run(onSwitch: ReadonlySet<string>): Promise<ReconcileReport> {
    const { db, runtime, journal, metrics } = this.deps;
    const report: ReconcileReport = { resumed: [], closed: [] };
    const rows = await listLiveCalls(db);
    for (const row of rows) {
      if (runtime.holds(row.id)) continue;
      const now = this.deps.now?.() ?? Date.now();
      if (onSwitch.has(row.id)) {
        const resumed =
          row.snapshot !== null &&
          (await runtime.resume(row.id, { snapshot: row.snapshot, statusCallback: row.statusCallback, dryRun: row.dryRun, lastSeq: row.lastSeq }));
        if (resumed) {
          report.resumed.push(row.id);
          metrics.callsReconciled.inc({ outcome: "resumed" });
          continue;
        }
        if (runtime.holds(row.id)) continue;
        // Nobody could drive it: do not leave it parked on the switch forever.
        void this.deps.link.send({ type: "hangup", uuid: row.id, cause: "NORMAL_TEMPORARY_FAILURE" }).catch(() => {});
        this.close(row, now, UNRESUMABLE);
      } else {
        this.close(row, now, ENDED_WHILE_DOWN);
      }
      report.closed.push(row.id);
    }
    if (report.closed.length > 0) await journal.flush();
    if (rows.length > 0) log.info({ resumed: report.resumed.length, closed: report.closed.length }, "reconciled calls left live by an earlier run");
    return report;
  }

  private close(row: LiveCallRow, now: number, why: string): void {
    const { journal, metrics } = this.deps;
    const final = closedWhileDown(row, now, why);
    journal.seedSeq(row.id, row.lastSeq);
    journal.append(row.id, {
      kind: "event",
      name: "ENDED_WHILE_DOWN",
      data: { note: why, status: final.status, last_seen_at: final.endedAt?.toISOString() ?? null },
      at: new Date(now),
    });
    journal.upsertCall(final);
    journal.forget(row.id);
    metrics.callsReconciled.inc({ outcome: "closed" });
    metrics.callsEnded.inc({ status: final.status! });
  }
}

/** The final CDR of a call that ended unobserved (see the header for each field's rule). */
export function closedWhileDown(row: LiveCallRow, now: number, why: string = ENDED_WHILE_DOWN): NewCall {
  const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);
  const answeredAt = ms(row.answeredAt);
  const lastSeen = Math.max(ms(row.lastEventAt) ?? 0, ms(row.updatedAt) ?? 0, ms(row.createdAt) ?? 0, answeredAt ?? 0);
  const endedAt = Math.min(lastSeen, now);
  const ringFrom = ms(row.ringingAt) ?? ms(row.initiatedAt);
  const hangupBy = row.hangupBy ?? null;
  const cancelledBy: CancelledBy = hangupBy === "api" ? "api" : row.direction === "inbound" && hangupBy === "caller" ? "caller" : null;
  return {
    id: row.id,
    direction: row.direction,
    toNumber: row.toNumber,
    status: callOutcome({ hangupCause: row.hangupCause ?? null, answered: answeredAt !== null, cancelledBy }),
    stateValue: "ended",
    hangupCause: row.hangupCause ?? null,
    q850: row.q850 ?? null,
    hangupBy,
    endedAt: new Date(endedAt),
    ringSec: ringFrom !== null ? Math.max(0, Math.round(((answeredAt ?? endedAt) - ringFrom) / 1000)) : 0,
    talkSec: answeredAt !== null ? Math.max(0, Math.round((endedAt - answeredAt) / 1000)) : 0,
    error: row.error ? `${row.error}; ${why}` : why,
    snapshot: null,
  };
}
