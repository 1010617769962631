/**
 * Wall-clock dates and times in a business's IANA timezone, with Intl only.
 * A receptionist speaks and books in the business's local time, so every
 * slot starts as a local date + time and becomes a UTC instant here —
 * including on the two days a year the clocks change: a local time in the
 * spring-forward gap does not exist, one in the fall-back hour happens twice.
 *
 * Dates are "YYYY-MM-DD" and times "HH:MM" (24-hour), as the tools' arguments.
 */
import { WEEKDAYS, type Weekday } from "../../../machines/receptionist/hours.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A real calendar date in YYYY-MM-DD ("2026-02-30" is not). */
export function isCalendarDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

export function isClockTime(time: string): boolean {
  return TIME.test(time);
}

/** The date `days` after (or before) a calendar date. */
export function addDays(date: string, days: number): string {
  const m = DATE.exec(date)!;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const at = (d: string) => {
    const m = DATE.exec(d)!;
    return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  };
  return Math.round((at(b) - at(a)) / DAY_MS);
}

/** The weekday of a calendar date (the calendar's, not any zone's). */
export function weekdayOf(date: string): Weekday {
  const m = DATE.exec(date)!;
  const sundayFirst = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  return WEEKDAYS[(sundayFirst + 6) % 7]!;
}

/** "HH:MM" from minutes since midnight (0..1439). */
export function clockOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** Minutes since midnight of "HH:MM". */
export function minutesOfClock(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

// ─── instants ↔ wall clock ───────────────────────────────────────────────────

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(zone);
  if (!f) {
    // h23: midnight is 00, never 24 (hour12: false gives "24" in some engines).
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `instant`, read as if it were UTC (ms), seconds included. */
function wallMs(instantMs: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(instantMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const hour = parts.hour === 24 ? 0 : parts.hour!;
  // Intl formats whole seconds; keep the instant's milliseconds.
  const ms = ((instantMs % 1000) + 1000) % 1000;
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, hour, parts.minute!, parts.second!, ms);
}

/** The zone's offset from UTC at `instant`, in minutes (New York in winter: −300). */
export function offsetMinutes(instant: Date, zone: string): number {
  return Math.round((wallMs(instant.getTime(), zone) - instant.getTime()) / MINUTE_MS);
}

export interface LocalDateTime {
  date: string;
  time: string;
  weekday: Weekday;
}

/** The local date, time (to the minute) and weekday in `zone` at `instant`. */
export function localDateTime(instant: Date, zone: string): LocalDateTime {
  const iso = new Date(wallMs(instant.getTime(), zone)).toISOString();
  const date = iso.slice(0, 10);
  return { date, time: iso.slice(11, 16), weekday: weekdayOf(date) };
}

/**
 * What a local date and time is in `zone`:
 *  - exact: it happens once;
 *  - ambiguous: the clocks went back and it happens twice (earlier, later);
 *  - gap: the clocks went forward over it, so it never happens; `before` reads
 *    it with the offset before the change, `after` with the one after.
 */
export type LocalResolution =
  | { kind: "exact"; instant: Date }
  | { kind: "ambiguous"; earlier: Date; later: Date }
  | { kind: "gap"; before: Date; after: Date };

export function resolveLocal(date: string, time: string, zone: string): LocalResolution {
  const d = DATE.exec(date);
  const t = TIME.exec(time);
  if (!d || !t) throw new RangeError(`not a local date and time: ${date} ${time}`);
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // The offsets a day either side bracket any single transition near this time.
  const offsetBefore = wallMs(wall - DAY_MS, zone) - (wall - DAY_MS);
  const offsetAfter = wallMs(wall + DAY_MS, zone) - (wall + DAY_MS);
  const candidates = [...new Set([wall - offsetBefore, wall - offsetAfter])]
    .filter((instant) => wallMs(instant, zone) === wall)
    .sort((a, b) => a - b);
  if (candidates.length === 1) return { kind: "exact", instant: new Date(candidates[0]!) };
  if (candidates.length === 2) return { kind: "ambiguous", earlier: new Date(candidates[0]!), later: new Date(candidates[1]!) };
  return { kind: "gap", before: new Date(wall - offsetBefore), after: new Date(wall - offsetAfter) };
}

/**
 * How a local time that is ambiguous or in a gap becomes an instant, as
 * Temporal names it: `compatible` takes the earlier of two and moves a gap
 * time forward by the gap (02:30 on a spring-forward night in New York is
 * 03:30 EDT); `reject` gives null for either.
 */
export type Disambiguation = "compatible" | "earlier" | "later" | "reject";

/** A local date + time in `zone` as a UTC instant; null only for `reject`. */
export function zonedTimeToUtc(date: string, time: string, zone: string, disambiguation: Disambiguation = "compatible"): Date | null {
  const r = resolveLocal(date, time, zone);
  if (r.kind === "exact") return r.instant;
  if (disambiguation === "reject") return null;
  if (r.kind === "ambiguous") return disambiguation === "later" ? r.later : r.earlier;
  // In a gap: `before` reads the time with the old offset, which lands after the jump.
  return disambiguation === "earlier" ? r.after : r.before;
}

/** The instant a local day starts (its first minute that exists: a zone may skip midnight). */
export function startOfLocalDay(date: string, zone: string): Date {
  return zonedTimeToUtc(date, "00:00", zone, "compatible")!;
}

// ─── how times are said ──────────────────────────────────────────────────────

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const capitalised = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** "2026-03-10" → "Tuesday, March 10". */
export function spokenDate(date: string): string {
  const m = DATE.exec(date)!;
  return `${capitalised(weekdayOf(date))}, ${MONTHS[Number(m[2]) - 1]} ${Number(m[3])}`;
}

/** "09:30" → "9:30 AM", "14:00" → "2 PM", "12:00" → "12 PM" (noon), "00:00" → "12 AM". */
export function spokenTime(time: string): string {
  const minutes = minutesOfClock(time);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m ? `:${String(m).padStart(2, "0")}` : ""} ${h < 12 ? "AM" : "PM"}`;
}

/** "Tuesday, March 10 at 9:30 AM". */
export function spokenDateTime(date: string, time: string): string {
  return `${spokenDate(date)} at ${spokenTime(time)}`;
}

/** "a, b and c". */
export function spokenList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");
}
