/**
 * Appointment queries. The guarantee that two callers never share a slot is
 * the database's (appointments_slot_key: one booked row per receptionist,
 * start and sandbox flag); inserting into a taken slot throws SlotTakenError,
 * which the booking tools answer with the nearest free slots. Every read
 * names its sandbox flag, so test-bench rows and real ones never mix.
 */
import { and, asc, eq, gt, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { appointments, type AppointmentRow, type AppointmentStatus, type NewAppointment } from "../schema.ts";
import { keysetPage } from "./keyset.ts";

export { InvalidCursorError } from "./cursor.ts";

export const SLOT_CONSTRAINT = "appointments_slot_key";

/** Somebody holds the slot already (a unique violation on appointments_slot_key). */
export class SlotTakenError extends Error {
  constructor(readonly startsAt: Date) {
    super(`the slot at ${startsAt.toISOString()} is already booked`);
    this.name = "SlotTakenError";
  }
}

/** The appointment to move is no longer booked (cancelled meanwhile). */
export class AppointmentGoneError extends Error {
  constructor(readonly id: string) {
    super(`appointment ${id} is no longer booked`);
    this.name = "AppointmentGoneError";
  }
}

/**
 * True for PostgreSQL's unique_violation (23505) on the slot index, from
 * postgres.js (`constraint_name`) or PGlite (`constraint`), under drizzle's
 * DrizzleQueryError wrapping.
 */
export function isSlotViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown; message?: unknown };
    if (o.code !== "23505") continue;
    const constraint = o.constraint_name ?? o.constraint;
    if (typeof constraint === "string") return constraint === SLOT_CONSTRAINT;
    return typeof o.message === "string" && o.message.includes(SLOT_CONSTRAINT);
  }
  return false;
}

/** Books a slot; throws SlotTakenError when the slot is held (whoever got there first wins). */
export async function insertAppointment(db: Db, row: NewAppointment): Promise<AppointmentRow> {
  try {
    const [inserted] = await db.insert(appointments).values(row).returning();
    return inserted!;
  } catch (err) {
    if (isSlotViolation(err)) throw new SlotTakenError(row.startsAt);
    throw err;
  }
}

export interface Scope {
  receptionistId: string;
  sandbox: boolean;
}

/** Booked rows of one receptionist in one sandbox flag, narrowed by `more`. */
function bookedIn(scope: Scope, ...more: SQL[]): SQL | undefined {
  return and(eq(appointments.receptionistId, scope.receptionistId), eq(appointments.sandbox, scope.sandbox), eq(appointments.status, "booked"), ...more);
}

/** Booked appointments that overlap [from, to). */
export async function bookedOverlapping(db: Db, scope: Scope, from: Date, to: Date): Promise<AppointmentRow[]> {
  return db
    .select()
    .from(appointments)
    .where(bookedIn(scope, lt(appointments.startsAt, to), gt(appointments.endsAt, from)))
    .orderBy(asc(appointments.startsAt));
}

/** A caller's booked appointments by the E.164 number they were booked with, ending after `after`, soonest first. */
export async function bookedForPhone(db: Db, scope: Scope, phone: string, after: Date): Promise<AppointmentRow[]> {
  return db
    .select()
    .from(appointments)
    .where(bookedIn(scope, eq(appointments.phone, phone), gt(appointments.endsAt, after)))
    .orderBy(asc(appointments.startsAt), asc(appointments.id));
}

/** Cancels a booked appointment; null when it is not booked (already cancelled, or no such id). */
export async function cancelAppointment(db: Db, id: string, at: Date = new Date()): Promise<AppointmentRow | null> {
  const [row] = await db
    .update(appointments)
    .set({ status: "cancelled", cancelledAt: at })
    .where(and(eq(appointments.id, id), eq(appointments.status, "booked")))
    .returning();
  return row ?? null;
}

/**
 * Moves an appointment in one transaction: books the new slot, then cancels
 * the old one. Either both happen or neither: a taken slot throws
 * SlotTakenError, an old appointment cancelled meanwhile AppointmentGoneError,
 * and the caller keeps what they had.
 */
export async function rescheduleAppointment(
  db: Db,
  oldId: string,
  replacement: NewAppointment,
  at: Date = new Date(),
): Promise<{ cancelled: AppointmentRow; booked: AppointmentRow }> {
  try {
    return await db.transaction(async (tx) => {
      const booked = await insertAppointment(tx, { ...replacement, rescheduledFrom: oldId });
      const cancelled = await cancelAppointment(tx, oldId, at);
      if (!cancelled) throw new AppointmentGoneError(oldId);
      return { cancelled, booked };
    });
  } catch (err) {
    // The unique violation may surface at the transaction's boundary rather than the insert.
    if (isSlotViolation(err)) throw new SlotTakenError(replacement.startsAt);
    throw err;
  }
}

export async function getAppointment(db: Db, id: string): Promise<AppointmentRow | null> {
  const [row] = await db.select().from(appointments).where(eq(appointments.id, id)).limit(1);
  return row ?? null;
}

export interface AppointmentFilter {
  receptionistId?: string;
  status?: AppointmentStatus;
  /** Test-bench rows (true) or real ones (false, the default): never both. */
  sandbox?: boolean;
  /** Starting at or after. */
  from?: Date;
  /** Starting before. */
  to?: Date;
  /** E.164. */
  phone?: string;
  conversationId?: string;
}

export interface ListAppointmentsOptions extends AppointmentFilter {
  /** By start time: "asc" (the schedule, the default) or "desc". */
  order?: "asc" | "desc";
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The `nextCursor` of the previous page (same order). */
  cursor?: string | null;
}

export interface AppointmentPage {
  appointments: AppointmentRow[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/** Keyset-paginated on (starts_at, id), in either order; an odd cursor throws InvalidCursorError. */
export async function listAppointments(db: Db, opts: ListAppointmentsOptions = {}): Promise<AppointmentPage> {
  const { rows, nextCursor } = await keysetPage(
    { at: appointments.startsAt, id: appointments.id, order: opts.order === "desc" ? "desc" : "asc" },
    opts,
    filterConditions(opts),
    (where, orderBy, take) => db.select().from(appointments).where(where).orderBy(...orderBy).limit(take),
    (row) => ({ at: row.startsAt, id: row.id }),
  );
  return { appointments: rows, nextCursor };
}

function filterConditions(filter: AppointmentFilter): SQL[] {
  const conditions: SQL[] = [eq(appointments.sandbox, filter.sandbox ?? false)];
  if (filter.receptionistId) conditions.push(eq(appointments.receptionistId, filter.receptionistId));
  if (filter.status) conditions.push(eq(appointments.status, filter.status));
  if (filter.from) conditions.push(gte(appointments.startsAt, filter.from));
  if (filter.to) conditions.push(lt(appointments.startsAt, filter.to));
  if (filter.phone) conditions.push(eq(appointments.phone, filter.phone));
  if (filter.conversationId) conditions.push(eq(appointments.conversationId, filter.conversationId));
  return conditions;
}

/** Used by tests and the bench: every booked row of a scope (no paging). */
export async function bookedAppointments(db: Db, scope: Scope): Promise<AppointmentRow[]> {
  return db
    .select()
    .from(appointments)
    .where(bookedIn(scope))
    .orderBy(asc(appointments.startsAt));
}
