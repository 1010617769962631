/**
 * What the journal does with rows the database refuses permanently: keep every
 * row it accepts, store a row refused for its strings (NUL, lone surrogates)
 * with them sanitised, and drop, loudly, only a row refused even then, counted
 * per table for /metrics and handed to onDropped. Split from journal.ts, whose
 * writer owns batching, backpressure and retries; this owns the refusal path.
 */
import type { Logger } from "pino";
import type { NewCall, NewCallEvent, NewConversation } from "./schema.ts";
import { storableRow } from "./storable.ts";
import { dbErrorForLog, isTransientDbError } from "./db-errors.ts";
import type { JournalRow, JournalStats, JournalTable, JournalWriterOptions } from "./journal-contract.ts";

export class RefusedRowSalvage {
  /** Rows refused permanently by the database, even after sanitising. */
  dropped = 0;
  private readonly refusedByDb: JournalStats["refusedByDb"] = {
    events: { sanitised: 0, dropped: 0 },
    calls: { sanitised: 0, dropped: 0 },
    conversations: { sanitised: 0, dropped: 0 },
  };

  constructor(
    private readonly log: Logger,
    private readonly onDropped: JournalWriterOptions["onDropped"],
  ) {}

  /** A copy of the per-table counts, for stats(). */
  refusedCounts(): JournalStats["refusedByDb"] {
    return {
      events: { ...this.refusedByDb.events },
      calls: { ...this.refusedByDb.calls },
      conversations: { ...this.refusedByDb.conversations },
    };
  }

  /**
   * After a permanent refusal: keeps every row the database accepts, stores a
   * row refused for its strings with them sanitised, and drops (loudly) only a
   * row refused even then. A transient error midway throws: the batch is
   * retried later, and what was written meanwhile is skipped as a replay.
   */
  async salvage<T extends JournalRow>(
    rows: T[],
    write: (rows: T[]) => Promise<void>,
    table: JournalTable,
    refusal: unknown,
  ): Promise<void> {
    const cleaned = rows.map((row) => ({ original: row, ...storableRow(row) }));
    const sanitised = cleaned.filter((c) => c.changed);
    // Unstorable strings are the usual cause: first the whole batch again, with them replaced.
    if (sanitised.length > 0) {
      try {
        await write(cleaned.map((c) => c.value));
        for (const c of sanitised) this.reportSanitised(c.original, table, refusal);
        return;
      } catch (err) {
        if (isTransientDbError(err)) throw err;
      }
    }
    for (const c of cleaned) {
      try {
        await write([c.value]);
        if (c.changed) this.reportSanitised(c.original, table, refusal);
      } catch (err) {
        if (isTransientDbError(err)) throw err;
        this.reportDropped(c.original, table, err);
      }
    }
  }

  private reportSanitised(row: JournalRow, table: JournalTable, err: unknown): void {
    this.refusedByDb[table].sanitised++;
    this.log.error(
      { dbError: dbErrorForLog(err), ...idsOf(row, table), table },
      "journal row refused by the database for its strings (NUL or a lone surrogate); stored with them replaced by U+FFFD",
    );
  }

  private reportDropped(row: JournalRow, table: JournalTable, err: unknown): void {
    this.dropped++;
    this.refusedByDb[table].dropped++;
    this.log.error({ dbError: dbErrorForLog(err), ...idsOf(row, table), table }, "journal row refused by the database; dropped");
    this.onDropped?.(
      {
        events: table === "events" ? [row as NewCallEvent] : [],
        calls: table === "calls" ? [row as NewCall] : [],
        conversations: table === "conversations" ? [row as NewConversation] : [],
      },
      err,
    );
  }
}

/** What names a row in a log line: its call, and its conversation (never its contents). */
function idsOf(row: JournalRow, table: JournalTable): { callId: string; conversationId?: string } {
  if (table === "conversations") return { callId: (row as NewConversation).callId, conversationId: row.id as string };
  return { callId: "callId" in row ? (row.callId as string) : (row.id as string) };
}
