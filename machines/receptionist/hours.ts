/**
 * Weekly hours: when the business opens, when appointments can be booked,
 * when a transfer target answers. Times are wall-clock HH:MM in the
 * business's timezone; a range never crosses midnight (a night shift is two
 * ranges on two days), and "24:00" closes a range at the end of its day.
 * A weekday that is absent or has no ranges is closed.
 */
import { z } from "zod";

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** 00:00 – 23:59, and 24:00 for the end of a day. */
const CLOCK = /^(?:([01][0-9]|2[0-3]):([0-5][0-9])|(24):(00))$/;

export const clockTime = z.string().regex(CLOCK, "must be a time HH:MM (00:00–24:00)");

/** Minutes since midnight of an HH:MM the schema accepted. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(":");
  return Number(h) * 60 + Number(m);
}

export const TimeRangeSchema = z
  .strictObject({ open: clockTime, close: clockTime })
  .refine((r) => minutesOf(r.open) < minutesOf(r.close), { message: "must be after open (a range ends on its own day)", path: ["close"] })
  .refine((r) => r.open !== "24:00", { message: "must be 23:59 at the latest", path: ["open"] });
export type TimeRange = z.output<typeof TimeRangeSchema>;

/** One day's ranges, which must not overlap (touching is fine: 12:00–13:00, 13:00–17:00). */
export const DayHoursSchema = z
  .array(TimeRangeSchema)
  .max(8)
  .superRefine((ranges, ctx) => {
    const sorted = ranges.map((r, index) => ({ ...r, index })).sort((a, b) => minutesOf(a.open) - minutesOf(b.open));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (minutesOf(cur.open) < minutesOf(prev.close)) {
        ctx.addIssue({ code: "custom", path: [cur.index], message: `overlaps ${prev.open}–${prev.close}` });
      }
    }
  });

export const WeeklyHoursSchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((day) => [day, DayHoursSchema.optional()])) as Record<Weekday, z.ZodOptional<typeof DayHoursSchema>>,
);
export type WeeklyHours = z.output<typeof WeeklyHoursSchema>;

/** True when `time` (HH:MM) on `weekday` falls inside one of the day's ranges (open inclusive, close exclusive). */
export function isWithinHours(hours: WeeklyHours, weekday: Weekday, time: string): boolean {
  const at = minutesOf(time);
  return (hours[weekday] ?? []).some((r) => minutesOf(r.open) <= at && at < minutesOf(r.close));
}

/** True when the hours have at least one range on some day. */
export function hasAnyHours(hours: WeeklyHours): boolean {
  return WEEKDAYS.some((day) => (hours[day]?.length ?? 0) > 0);
}
