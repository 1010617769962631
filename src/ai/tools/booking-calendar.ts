/**
 * The booking grid the appointment tools share: a day's slots (bookable
 * hours cut into slot-length starts, in the business's timezone), whether a
 * requested date and time is a slot a caller may book now (lead time,
 * horizon, the grid, the clocks changing), and the free slots nearest a
 * wish. Slots always start on the grid, so the database's one-booking-per-
 * start index is what keeps two callers off one slot.
 */
import type { BookingSettings, ReceptionistDefinition } from "../../../machines/receptionist/definition.ts";
import { minutesOf } from "../../../machines/receptionist/hours.ts";
import { bookedOverlapping, type Scope } from "../../db/queries/appointments.ts";
import type { ReceptionistToolContext } from "./types.ts";
import {
  addDays,
  clockOf,
  daysBetween,
  localDateTime,
  minutesOfClock,
  resolveLocal,
  spokenDate,
  spokenDateTime,
  spokenList,
  spokenTime,
  weekdayOf,
} from "./zoned-time.ts";

const MINUTE_MS = 60_000;
/** How far ahead "the next free day" is looked for before giving up. */
const SEARCH_DAYS = 31;

export interface Slot {
  date: string;
  time: string;
  startsAt: Date;
  endsAt: Date;
}

export interface BookingCalendar {
  zone: string;
  settings: BookingSettings;
  now: Date;
  /** The business's local date now. */
  today: string;
  /** The last bookable date (today + horizon). */
  lastDay: string;
  /** The earliest start a caller may book (now + lead time). */
  earliest: Date;
}

/** The calendar for a definition at `now`; null when the receptionist does not book appointments. */
export function bookingCalendar(definition: ReceptionistDefinition, now: Date): BookingCalendar | null {
  const settings = definition.booking;
  if (!settings) return null;
  const zone = definition.business.timezone;
  const today = localDateTime(now, zone).date;
  return {
    zone,
    settings,
    now,
    today,
    lastDay: addDays(today, settings.horizon_days),
    earliest: new Date(now.getTime() + settings.lead_time_minutes * MINUTE_MS),
  };
}

/**
 * The grid's slots on a date, whatever is booked: every slot-length start in
 * each bookable range that ends by the range's close. A local time the clocks
 * skip has no slot; one they repeat (the fall-back hour) is its first
 * occurrence.
 */
export function daySlots(cal: BookingCalendar, date: string): Slot[] {
  const ranges = cal.settings.bookable_hours[weekdayOf(date)] ?? [];
  const length = cal.settings.slot_minutes;
  const slots: Slot[] = [];
  for (const range of ranges) {
    const close = minutesOf(range.close);
    for (let m = minutesOf(range.open); m + length <= close; m += length) {
      const time = clockOf(m);
      const r = resolveLocal(date, time, cal.zone);
      if (r.kind === "gap") continue;
      const startsAt = r.kind === "exact" ? r.instant : r.earlier;
      slots.push({ date, time, startsAt, endsAt: new Date(startsAt.getTime() + length * MINUTE_MS) });
    }
  }
  return slots.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** "every 30 minutes from 8 AM to 11:30 AM and from 1 PM to 4:30 PM" (the last start of each range). */
export function gridDescription(cal: BookingCalendar, date: string): string {
  const length = cal.settings.slot_minutes;
  const ranges = (cal.settings.bookable_hours[weekdayOf(date)] ?? [])
    .map((r) => ({ open: minutesOf(r.open), lastStart: minutesOf(r.close) - length }))
    .filter((r) => r.lastStart >= r.open)
    .sort((a, b) => a.open - b.open)
    .map((r) => (r.lastStart === r.open ? `at ${spokenTime(clockOf(r.open))}` : `from ${spokenTime(clockOf(r.open))} to ${spokenTime(clockOf(r.lastStart))}`));
  return `every ${length} minutes ${spokenList(ranges)}`;
}

export type SlotProblem = "past" | "beyond_horizon" | "closed" | "no_such_time" | "off_grid" | "too_soon";

export type SlotCheck = { ok: true; slot: Slot } | { ok: false; problem: SlotProblem; message: string };

/** Whether `date` + `time` (local) is a slot a caller may book now; bookings are not looked at. */
export function checkSlot(cal: BookingCalendar, date: string, time: string): SlotCheck {
  const dayProblem = checkDay(cal, date);
  if (dayProblem) return dayProblem;
  const slot = daySlots(cal, date).find((s) => s.time === time);
  if (!slot) {
    if (resolveLocal(date, time, cal.zone).kind === "gap") {
      return { ok: false, problem: "no_such_time", message: `${spokenTime(time)} does not exist on ${spokenDate(date)}: the clocks go forward that night.` };
    }
    return { ok: false, problem: "off_grid", message: `Appointments on ${spokenDate(date)} start ${gridDescription(cal, date)}; ${spokenTime(time)} is not one of them.` };
  }
  if (slot.startsAt < cal.earliest) {
    return { ok: false, problem: "too_soon", message: `Appointments need ${notice(cal.settings.lead_time_minutes)} notice, so ${spokenDateTime(date, time)} is too soon.` };
  }
  return { ok: true, slot };
}

/** Why nothing on `date` can be booked at all (past, beyond the horizon, a day without bookable hours); null when something might be. */
export function checkDay(cal: BookingCalendar, date: string): { ok: false; problem: SlotProblem; message: string } | null {
  if (date < cal.today) return { ok: false, problem: "past", message: `${spokenDate(date)} has passed; today is ${spokenDate(cal.today)}.` };
  if (date > cal.lastDay) {
    return {
      ok: false,
      problem: "beyond_horizon",
      message: `Appointments can be booked up to ${cal.settings.horizon_days} days ahead, until ${spokenDate(cal.lastDay)}.`,
    };
  }
  if (daySlots(cal, date).length === 0) {
    return { ok: false, problem: "closed", message: `There are no appointments on ${capitalisedWeekday(date)}s.` };
  }
  return null;
}

function capitalisedWeekday(date: string): string {
  const w = weekdayOf(date);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function notice(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? "a day's" : `${minutes / 1440} days'`;
  if (minutes % 60 === 0) return minutes === 60 ? "an hour's" : `${minutes / 60} hours'`;
  return `${minutes} minutes'`;
}

interface Booked {
  id: string;
  startsAt: Date;
  endsAt: Date;
}

export function overlaps(slot: { startsAt: Date; endsAt: Date }, booked: readonly Booked[]): boolean {
  return booked.some((b) => b.startsAt < slot.endsAt && b.endsAt > slot.startsAt);
}

export function scopeOf(ctx: ReceptionistToolContext): Scope {
  return { receptionistId: ctx.receptionist.id, sandbox: ctx.sandbox };
}

/**
 * Free slots from `fromDate` for `days` days (clipped to today…lastDay), by
 * date, in one query. `exceptId`: an appointment that does not count as
 * taking its slot (the one being rescheduled).
 */
export async function freeSlots(
  ctx: ReceptionistToolContext,
  cal: BookingCalendar,
  fromDate: string,
  days: number,
  exceptId?: string,
): Promise<Map<string, Slot[]>> {
  const first = fromDate < cal.today ? cal.today : fromDate;
  const byDate = new Map<string, Slot[]>();
  const candidates: Slot[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    if (date > cal.lastDay) break;
    const slots = daySlots(cal, date).filter((s) => s.startsAt >= cal.earliest);
    byDate.set(date, slots);
    candidates.push(...slots);
  }
  if (candidates.length === 0) return byDate;
  const from = new Date(Math.min(...candidates.map((s) => s.startsAt.getTime())));
  const to = new Date(Math.max(...candidates.map((s) => s.endsAt.getTime())));
  const booked = (await bookedOverlapping(ctx.db, scopeOf(ctx), from, to)).filter((b) => b.id !== exceptId);
  for (const [date, slots] of byDate) byDate.set(date, slots.filter((s) => !overlaps(s, booked)));
  return byDate;
}

/** The `count` slots nearest `time` (or the earliest), in time order. */
function nearest(slots: readonly Slot[], time: string | null, count: number): Slot[] {
  const target = time === null ? 0 : minutesOfClock(time);
  return [...slots]
    .sort((a, b) => Math.abs(minutesOfClock(a.time) - target) - Math.abs(minutesOfClock(b.time) - target) || a.startsAt.getTime() - b.startsAt.getTime())
    .slice(0, count)
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/**
 * Free slots to offer instead of `date` + `time`: the nearest ones that day,
 * else the nearest on the first later day that has any (within the horizon,
 * looking at most a month ahead).
 */
export async function alternatives(
  ctx: ReceptionistToolContext,
  cal: BookingCalendar,
  date: string,
  time: string | null,
  count = 3,
  exceptId?: string,
): Promise<Slot[]> {
  const start = date < cal.today ? cal.today : date;
  const span = Math.min(SEARCH_DAYS, daysBetween(start, cal.lastDay) + 1);
  if (span <= 0) return [];
  const free = await freeSlots(ctx, cal, start, span, exceptId);
  for (const slots of free.values()) {
    if (slots.length > 0) return nearest(slots, time, count);
  }
  return [];
}

/** A slot as the model reads it: the date and time to pass back, and how to say it. */
export function slotView(slot: Slot): { date: string; time: string; spoken: string } {
  return { date: slot.date, time: slot.time, spoken: spokenDateTime(slot.date, slot.time) };
}

/** "Tuesday, March 10 at 9 AM, 9:30 AM and 10 AM" (times of one day grouped). */
export function spokenSlots(slots: readonly Slot[]): string {
  const days = new Map<string, string[]>();
  for (const s of slots) days.set(s.date, [...(days.get(s.date) ?? []), spokenTime(s.time)]);
  return spokenList([...days].map(([date, times]) => `${spokenDate(date)} at ${spokenList(times)}`));
}

/** An appointment's local date and time in the business's zone. */
export function localSlotOf(cal: { zone: string }, row: { startsAt: Date }): { date: string; time: string } {
  const local = localDateTime(row.startsAt, cal.zone);
  return { date: local.date, time: local.time };
}
