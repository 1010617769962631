/**
 * Finding the caller's own appointment (cancel, reschedule): by the phone
 * number it was booked with and the caller's name — both must match, so a
 * caller never learns about someone else's booking — then narrowed by the
 * date and time they gave.
 */
import { bookedForPhone, type Scope } from "../../db/queries/appointments.ts";
import type { AppointmentRow } from "../../db/schema.ts";
import { localSlotOf, type BookingCalendar } from "./booking-calendar.ts";
import type { ReceptionistToolContext } from "./types.ts";
import { spokenDateTime, spokenList } from "./zoned-time.ts";

/** Lower case letters and digits, one space between words; apostrophes and hyphens join ("O'Brien" → "obrien"). */
function nameTokens(name: string): string[] {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’-]/g, "")
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * Same person, as a caller says a name: "maria lopez" is "Maria Lopez",
 * "Maria" or "Lopez" is "Maria Lopez" (one name's words all in the other's),
 * "Maria Elena Lopez" is "Maria Lopez".
 */
export function sameName(a: string, b: string): boolean {
  const x = nameTokens(a);
  const y = nameTokens(b);
  if (x.length === 0 || y.length === 0) return false;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.every((t) => long.includes(t));
}

export type CallerAppointments =
  | { kind: "one"; appointment: AppointmentRow }
  | { kind: "many"; appointments: AppointmentRow[] }
  /** None for this name and number at all. */
  | { kind: "none" }
  /** None on the date/time given, but these others (the caller's own). */
  | { kind: "elsewhere"; appointments: AppointmentRow[] };

export async function findCallerAppointments(
  ctx: ReceptionistToolContext,
  cal: Pick<BookingCalendar, "zone">,
  who: { name: string; phone: string; date?: string; time?: string },
): Promise<CallerAppointments> {
  const scope: Scope = { receptionistId: ctx.receptionist.id, sandbox: ctx.sandbox };
  const theirs = (await bookedForPhone(ctx.db, scope, who.phone, ctx.now)).filter((a) => sameName(a.name, who.name));
  if (theirs.length === 0) return { kind: "none" };
  const matching = theirs.filter((a) => {
    const local = localSlotOf(cal, a);
    return (who.date === undefined || local.date === who.date) && (who.time === undefined || local.time === who.time);
  });
  if (matching.length === 1) return { kind: "one", appointment: matching[0]! };
  if (matching.length > 1) return { kind: "many", appointments: matching };
  return { kind: "elsewhere", appointments: theirs };
}

/** "Thursday, March 12 at 2 PM and Friday, March 13 at 9 AM". */
export function spokenAppointments(cal: Pick<BookingCalendar, "zone">, rows: readonly AppointmentRow[]): string {
  return spokenList(rows.map((r) => spokenWhen(cal, r)));
}

export function spokenWhen(cal: Pick<BookingCalendar, "zone">, row: AppointmentRow): string {
  const local = localSlotOf(cal, row);
  return spokenDateTime(local.date, local.time);
}

/** An appointment as the model reads it (no id). */
export function appointmentView(cal: Pick<BookingCalendar, "zone">, row: AppointmentRow): Record<string, unknown> {
  const local = localSlotOf(cal, row);
  return { date: local.date, time: local.time, spoken: spokenDateTime(local.date, local.time), ...(row.service ? { service: row.service } : {}) };
}

/** An appointment for the structured result (with its id). */
export function appointmentData(cal: Pick<BookingCalendar, "zone">, row: AppointmentRow): Record<string, unknown> {
  const local = localSlotOf(cal, row);
  return {
    id: row.id,
    date: local.date,
    time: local.time,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    name: row.name,
    phone: row.phone,
    service: row.service,
    notes: row.notes,
    status: row.status,
    sandbox: row.sandbox,
    conversationId: row.conversationId,
    rescheduledFrom: row.rescheduledFrom,
  };
}
