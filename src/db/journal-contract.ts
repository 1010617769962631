/**
 * The call journal's contract with its callers: what an entry is, what
 * append() answers, the writer's options and the stats it reports (on
 * /metrics and /health), and the tables it writes. Split from journal.ts so
 * the writer's batching and retry machinery is read apart from its API shape.
 */
import type { Logger } from "pino";
import type { CallEventKind, NewCall, NewCallEvent, NewConversation } from "./schema.ts";

export interface JournalEntry {
  kind: CallEventKind;
  /** e.g. CHANNEL_ANSWER, playback, ringing→in_progress */
  name: string;
  data?: unknown;
  /** When it happened (default: now). */
  at?: Date;
}

export type AppendResult =
  | { accepted: true; seq: number; overloaded: boolean }
  | { accepted: false; reason: "overloaded" | "closed" };

export interface JournalWriterOptions {
  /** Longest a buffered row waits before a write starts (default 25 ms). */
  flushIntervalMs?: number;
  /** Rows per INSERT; reaching it starts a write at once (default 500). */
  maxBatchRows?: number;
  /** Hard cap on buffered event rows: beyond it append() refuses (default 20000). */
  maxBufferedRows?: number;
  /** Soft cap: from here append() reports overloaded (default 80% of maxBufferedRows). */
  highWaterRows?: number;
  /** First retry delay after a transient error, doubled per failure (default 100 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 5000 ms). */
  retryMaxMs?: number;
  /** Consecutive transient failures after which flush() rejects (default 5). */
  flushAttempts?: number;
  /** Rows the database refused permanently (they are not retried). */
  onDropped?: (dropped: { events: NewCallEvent[]; calls: NewCall[]; conversations: NewConversation[] }, error: unknown) => void;
  log?: Logger;
}

export interface JournalStats {
  bufferedEvents: number;
  bufferedCalls: number;
  bufferedConversations: number;
  eventsWritten: number;
  /** Rows ignored as already journalled (same call_id, seq). */
  duplicates: number;
  callsWritten: number;
  conversationsWritten: number;
  /** Rows refused by append() at the hard cap. */
  rejected: number;
  /** Rows refused permanently by the database, even after sanitising. */
  dropped: number;
  /** Rows the database refused, per table: stored with their strings sanitised, or dropped. */
  refusedByDb: Record<JournalTable, { sanitised: number; dropped: number }>;
  /** Consecutive failed writes so far (0 when healthy). */
  consecutiveFailures: number;
}

export type JournalTable = "events" | "calls" | "conversations";

export const JOURNAL_TABLES: readonly JournalTable[] = ["events", "calls", "conversations"];

export type JournalRow = NewCallEvent | NewCall | NewConversation;
