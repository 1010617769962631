/**
 * Numbers: which receptionist answers a DID. Assigning a DID that is already
 * routed moves it; a deleted receptionist's numbers are released with it
 * (queries/receptionists.ts). The inbound router asks `routeForNumber`.
 */
import { and, eq, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { E164, numbers, receptionists, type NumberRow, type ReceptionistRow } from "../schema.ts";
import { keysetPage } from "./keyset.ts";

export { InvalidCursorError } from "./cursor.ts";

export function isE164(did: string): boolean {
  return E164.test(did);
}

/** A transaction handle, as db.transaction passes it. */
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Locks a live receptionist's row for the rest of the transaction, so that a
 * delete (which releases its numbers) cannot slip between this check and a
 * number write; false when there is no live receptionist `id`.
 */
async function lockLiveReceptionist(tx: Tx, id: string): Promise<boolean> {
  const [owner] = await tx
    .select({ id: receptionists.id })
    .from(receptionists)
    .where(and(eq(receptionists.id, id), isNull(receptionists.deletedAt)))
    .for("update");
  return owner !== undefined;
}

/**
 * Routes `did` (E.164) to a receptionist, or moves it there; null when the
 * receptionist does not exist or is deleted. The receptionist row is locked
 * meanwhile, so a delete cannot slip between the check and the write.
 */
export async function assignNumber(db: Db, did: string, receptionistId: string): Promise<NumberRow | null> {
  return db.transaction(async (tx) => {
    if (!(await lockLiveReceptionist(tx, receptionistId))) return null;
    const now = new Date();
    const [row] = await tx
      .insert(numbers)
      .values({ did, receptionistId, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: numbers.did, set: { receptionistId, updatedAt: now } })
      .returning();
    return row!;
  });
}

export type NumberClaim =
  | { outcome: "assigned"; number: NumberRow }
  /** Routed to this receptionist already: nothing changed. */
  | { outcome: "already_assigned"; number: NumberRow }
  /** Routed to another receptionist: nothing changed (release it first to move it). Null: released again meanwhile. */
  | { outcome: "taken"; number: NumberRow | null }
  | { outcome: "no_receptionist" };

/**
 * Routes `did` (E.164) to a receptionist only if nobody has it, unlike
 * assignNumber, which moves it. The receptionist row is locked, as in
 * assignNumber; of two concurrent claims the insert lets exactly one win.
 */
export async function claimNumber(db: Db, did: string, receptionistId: string): Promise<NumberClaim> {
  return db.transaction(async (tx) => {
    if (!(await lockLiveReceptionist(tx, receptionistId))) return { outcome: "no_receptionist" } as const;
    const now = new Date();
    const [row] = await tx.insert(numbers).values({ did, receptionistId, createdAt: now, updatedAt: now }).onConflictDoNothing({ target: numbers.did }).returning();
    if (row) return { outcome: "assigned", number: row } as const;
    const [held] = await tx.select().from(numbers).where(eq(numbers.did, did)).limit(1);
    // Not found: released between the insert and this read; it was taken when claimed, and a retry may get it.
    if (!held) return { outcome: "taken", number: null } as const;
    return held.receptionistId === receptionistId ? ({ outcome: "already_assigned", number: held } as const) : ({ outcome: "taken", number: held } as const);
  });
}

export async function getNumber(db: Db, did: string): Promise<NumberRow | null> {
  const [row] = await db.select().from(numbers).where(eq(numbers.did, did)).limit(1);
  return row ?? null;
}

/** Stops routing `did`; false when it was not routed. */
export async function releaseNumber(db: Db, did: string): Promise<boolean> {
  const rows = await db.delete(numbers).where(eq(numbers.did, did)).returning({ did: numbers.did });
  return rows.length > 0;
}

/** The live receptionist a DID routes to (its current version), or null: the caller then gets the configured default. */
export async function routeForNumber(db: Db, did: string): Promise<{ number: NumberRow; receptionist: ReceptionistRow } | null> {
  const [row] = await db
    .select({ number: numbers, receptionist: receptionists })
    .from(numbers)
    .innerJoin(receptionists, eq(receptionists.id, numbers.receptionistId))
    .where(and(eq(numbers.did, did), isNull(receptionists.deletedAt)))
    .limit(1);
  return row ?? null;
}

export interface ListNumbersOptions {
  receptionistId?: string;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface NumberPage {
  numbers: NumberRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/** Newest first, keyset-paginated on (created_at, did). */
export async function listNumbers(db: Db, opts: ListNumbersOptions = {}): Promise<NumberPage> {
  const conditions: SQL[] = [];
  if (opts.receptionistId) conditions.push(eq(numbers.receptionistId, opts.receptionistId));
  const { rows, nextCursor } = await keysetPage(
    { at: numbers.createdAt, id: numbers.did },
    opts,
    conditions,
    (where, orderBy, take) => db.select().from(numbers).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.createdAt, id: row.did }),
  );
  return { numbers: rows, nextCursor };
}
