/** CDR queries: one row per call, keyed by the channel UUID. */
import { and, count, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { keysetPage } from "./keyset.ts";
import { upsertById } from "./upsert.ts";
import { calls, type CallDirection, type CallRow, type CallStatus, type NewCall } from "../schema.ts";

/** Every CDR column a running call may change (id and created_at are fixed at insert). */
export type CallPatch = Partial<Omit<NewCall, "id" | "createdAt" | "updatedAt">>;

/**
 * Inserts a CDR row; idempotent on id: when the row exists it is left untouched
 * and returned as stored (a retried originate must not reset a live call).
 */
export async function insertCall(db: Db, call: NewCall): Promise<CallRow> {
  const [inserted] = await db.insert(calls).values(call).onConflictDoNothing({ target: calls.id }).returning();
  if (inserted) return inserted;
  const existing = await getCall(db, call.id);
  if (!existing) throw new Error(`call ${call.id} neither inserted nor found`);
  return existing;
}

/** Batched CDR upsert (the journal writer's path); created_at is kept (upsert.ts). */
export async function upsertCalls(db: Db, rows: readonly NewCall[]): Promise<void> {
  await upsertById(db, calls, rows, "createdAt");
}

/** Applies a patch and bumps updated_at; null when no such call. */
export async function updateCall(db: Db, id: string, patch: CallPatch): Promise<CallRow | null> {
  const [row] = await db
    .update(calls)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(calls.id, id))
    .returning();
  return row ?? null;
}

export async function getCall(db: Db, id: string): Promise<CallRow | null> {
  const [row] = await db.select().from(calls).where(eq(calls.id, id)).limit(1);
  return row ?? null;
}

export interface CallFilter {
  status?: CallStatus | readonly CallStatus[];
  direction?: CallDirection;
}

export interface ListCallsOptions extends CallFilter {
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface CallPage {
  calls: CallRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

export { InvalidCursorError, MAX_PAGE_SIZE } from "./cursor.ts";

/**
 * Newest first, keyset-paginated on (created_at, id): a page stays stable while
 * new calls arrive, and deep pages cost the same as the first.
 */
export async function listCalls(db: Db, opts: ListCallsOptions = {}): Promise<CallPage> {
  const { rows, nextCursor } = await keysetPage(
    { at: calls.createdAt, id: calls.id },
    opts,
    filterConditions(opts),
    (where, orderBy, take) => db.select().from(calls).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.createdAt, id: row.id }),
  );
  return { calls: rows, nextCursor };
}

/** Total matching calls (a separate query: counting every page would scan the CDR each time). */
export async function countCalls(db: Db, filter: CallFilter = {}): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(calls)
    .where(and(...filterConditions(filter)));
  return row?.n ?? 0;
}

function filterConditions(filter: CallFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.status !== undefined) {
    const statuses: readonly CallStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    conditions.push(statuses.length === 1 ? eq(calls.status, statuses[0]!) : inArray(calls.status, [...statuses]));
  }
  if (filter.direction) conditions.push(eq(calls.direction, filter.direction));
  return conditions;
}
