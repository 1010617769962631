/**
 * check_availability: the free slots on a day, in the business's timezone —
 * within the bookable hours, after the lead time, inside the horizon, not
 * overlapping a booking. With a preferred time, the slots nearest it and
 * whether it is free itself. A day with nothing free answers with the next
 * day that has something, so the model can offer it at once.
 */
import { refused, succeeded, type ReceptionistTool, type ToolResult } from "./types.ts";
import { alternatives, bookingCalendar, checkDay, daySlots, freeSlots, type BookingCalendar, type Slot } from "./booking-calendar.ts";
import { daysBetween, isCalendarDate, minutesOfClock, spokenDate, spokenTime } from "./zoned-time.ts";

export interface CheckAvailabilityArgs {
  date: string;
  time?: string;
  service?: string;
}

/** Read out at most this many slots of a day without a preferred time. */
const LISTED = 6;
/** With a preferred time: the slots nearest it. */
const NEAREST = 3;

/** `count` slots spread over the day (first, …, last), so the caller hears its range. */
function spread(slots: readonly Slot[], count: number): Slot[] {
  if (slots.length <= count) return [...slots];
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(Math.round((i * (slots.length - 1)) / (count - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => slots[i]!);
}

function nearestTo(slots: readonly Slot[], time: string, count: number): Slot[] {
  const target = minutesOfClock(time);
  return [...slots]
    .sort((a, b) => Math.abs(minutesOfClock(a.time) - target) - Math.abs(minutesOfClock(b.time) - target) || a.startsAt.getTime() - b.startsAt.getTime())
    .slice(0, count)
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

function answer(cal: BookingCalendar, requestedDate: string, date: string, free: readonly Slot[], time: string | undefined, note: string | null): ToolResult {
  const offered = time ? nearestTo(free, time, NEAREST) : spread(free, LISTED);
  const requestedFree = time !== undefined && date === requestedDate ? free.some((s) => s.time === time) : undefined;
  const view = {
    date,
    day: spokenDate(date),
    ...(date !== requestedDate ? { requested_date: requestedDate } : {}),
    timezone: cal.zone,
    slot_minutes: cal.settings.slot_minutes,
    available: offered.map((s) => ({ time: s.time, spoken: spokenTime(s.time) })),
    ...(free.length > offered.length ? { more_free_that_day: free.length - offered.length } : {}),
    ...(requestedFree !== undefined ? { requested_time: time, requested_time_free: requestedFree } : {}),
    ...(note ? { note } : {}),
    next_step: "Offer these times in the business's local time, as spoken. To book, call book_appointment with this date and the chosen time as HH:MM.",
  };
  return succeeded(view, {
    requestedDate,
    date,
    timezone: cal.zone,
    free: free.map((s) => ({ date: s.date, time: s.time, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })),
    offered: offered.map((s) => s.time),
    ...(requestedFree !== undefined ? { requestedTimeFree: requestedFree } : {}),
  });
}

export const checkAvailability: ReceptionistTool<CheckAvailabilityArgs> = {
  name: "check_availability",
  async run(ctx, args) {
    const cal = bookingCalendar(ctx.receptionist.definition, ctx.now);
    if (!cal) {
      return refused("not_offered", "Appointments can't be booked on this line.", "Tell the caller, and offer to take a message so the office calls them back.");
    }
    if (!isCalendarDate(args.date)) {
      return refused("invalid_arguments", `"${args.date}" is not a date on the calendar.`, "Ask the caller which day they mean, then call check_availability with it as YYYY-MM-DD.");
    }
    const dayProblem = checkDay(cal, args.date);
    if (dayProblem?.problem === "beyond_horizon") {
      return refused("not_bookable", dayProblem.message, "Tell the caller, and offer a day within that range.", { last_bookable_date: cal.lastDay });
    }
    if (!dayProblem) {
      const free = (await freeSlots(ctx, cal, args.date, 1)).get(args.date) ?? [];
      if (free.length > 0) return answer(cal, args.date, args.date, free, args.time, null);
    }
    // Nothing on the day asked for: say why, with the next day that has something.
    const why = dayProblem?.message ?? whyNothing(cal, args.date);
    const next = await alternatives(ctx, cal, args.date < cal.today ? cal.today : args.date, args.time ?? null, 1);
    if (next.length === 0) {
      return refused("not_bookable", `${why} Nothing is free in the next few weeks either.`, "Apologise, and offer to take a message so the office calls the caller back.");
    }
    const nextDate = next[0]!.date;
    const free = (await freeSlots(ctx, cal, nextDate, 1)).get(nextDate) ?? [];
    const after = daysBetween(args.date, nextDate) > 0 ? ` The next day with free times is ${spokenDate(nextDate)}.` : "";
    return answer(cal, args.date, nextDate, free, args.time, `${why}${after}`);
  },
};

/** Why a day within the horizon that has bookable hours has nothing free: too late to book (lead time), or fully booked. */
function whyNothing(cal: BookingCalendar, date: string): string {
  if (daySlots(cal, date).every((s) => s.startsAt < cal.earliest)) return `Nothing more can be booked on ${spokenDate(date)}: appointments need notice.`;
  return `${spokenDate(date)} is fully booked.`;
}
