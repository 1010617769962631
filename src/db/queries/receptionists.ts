/**
 * Receptionist queries. A receptionist's definition is saved as a new version
 * each time (receptionists.version is the current one; receptionist_versions
 * keeps them all), so a conversation pins the version it started with and an
 * edit never changes a live call. The definition is stored as the JSON the
 * API validated (machines/receptionist's ReceptionistDefinition); reading it
 * back is the caller's to parse. Deleting is soft: the receptionist's numbers
 * are released, its appointments and messages keep pointing at it.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { numbers, receptionists, receptionistVersions, type ReceptionistRow, type ReceptionistVersionRow } from "../schema.ts";
import { keysetPage } from "./keyset.ts";

export { InvalidCursorError } from "./cursor.ts";

export interface NewReceptionistInput {
  name: string;
  definition: unknown;
}

/** Creates a receptionist at version 1 (and its first version row). */
export async function createReceptionist(db: Db, input: NewReceptionistInput): Promise<ReceptionistRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(receptionists).values({ name: input.name, definition: input.definition, version: 1 }).returning();
    await tx.insert(receptionistVersions).values({ receptionistId: row!.id, version: 1, definition: input.definition, createdAt: row!.createdAt });
    return row!;
  });
}

/**
 * Saves a new definition as the next version; null when there is no such
 * (live) receptionist. Concurrent updates serialise on the row: each gets its
 * own version number.
 */
export async function updateReceptionist(db: Db, id: string, input: NewReceptionistInput): Promise<ReceptionistRow | null> {
  return db.transaction(async (tx) => {
    const now = new Date();
    const [row] = await tx
      .update(receptionists)
      .set({ name: input.name, definition: input.definition, version: sql`${receptionists.version} + 1`, updatedAt: now })
      .where(and(eq(receptionists.id, id), isNull(receptionists.deletedAt)))
      .returning();
    if (!row) return null;
    await tx.insert(receptionistVersions).values({ receptionistId: id, version: row.version, definition: input.definition, createdAt: now });
    return row;
  });
}

/** A receptionist as it is now; deleted ones only when asked. */
export async function getReceptionist(db: Db, id: string, opts: { includeDeleted?: boolean } = {}): Promise<ReceptionistRow | null> {
  const conditions = [eq(receptionists.id, id)];
  if (!opts.includeDeleted) conditions.push(isNull(receptionists.deletedAt));
  const [row] = await db
    .select()
    .from(receptionists)
    .where(and(...conditions))
    .limit(1);
  return row ?? null;
}

/** One saved version (also of a deleted receptionist: a conversation that pinned it may still be running). */
export async function getReceptionistVersion(db: Db, id: string, version: number): Promise<ReceptionistVersionRow | null> {
  const [row] = await db
    .select()
    .from(receptionistVersions)
    .where(and(eq(receptionistVersions.receptionistId, id), eq(receptionistVersions.version, version)))
    .limit(1);
  return row ?? null;
}

/** Every saved version, newest first. */
export async function listReceptionistVersions(db: Db, id: string): Promise<ReceptionistVersionRow[]> {
  return db
    .select()
    .from(receptionistVersions)
    .where(eq(receptionistVersions.receptionistId, id))
    .orderBy(desc(receptionistVersions.version));
}

/** Soft-deletes a receptionist and releases its numbers; false when there was no live one. */
export async function deleteReceptionist(db: Db, id: string, at: Date = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(receptionists)
      .set({ deletedAt: at, updatedAt: at })
      .where(and(eq(receptionists.id, id), isNull(receptionists.deletedAt)))
      .returning({ id: receptionists.id });
    if (!row) return false;
    await tx.delete(numbers).where(eq(numbers.receptionistId, id));
    return true;
  });
}

export interface ListReceptionistsOptions {
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface ReceptionistPage {
  receptionists: ReceptionistRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/** Live receptionists, newest first, keyset-paginated on (created_at, id) like calls. */
export async function listReceptionists(db: Db, opts: ListReceptionistsOptions = {}): Promise<ReceptionistPage> {
  const { rows, nextCursor } = await keysetPage(
    { at: receptionists.createdAt, id: receptionists.id },
    opts,
    [isNull(receptionists.deletedAt)],
    (where, orderBy, take) => db.select().from(receptionists).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.createdAt, id: row.id }),
  );
  return { receptionists: rows, nextCursor };
}
