/**
 * A slot a caller asked for, made ready to book: on the grid, bookable now,
 * not overlapping a booking — or the refusal the model reads, with the
 * nearest free slots to offer instead. Shared by book and reschedule.
 */
import { bookedOverlapping } from "../../db/queries/appointments.ts";
import type { AppointmentRow } from "../../db/schema.ts";
import { alternatives, checkSlot, scopeOf, slotView, spokenSlots, type BookingCalendar, type Slot } from "./booking-calendar.ts";
import { refused, type ReceptionistToolContext, type ToolResult } from "./types.ts";

export type SlotRequest = { ok: true; slot: Slot } | { ok: false; result: ToolResult } | { ok: "held"; slot: Slot; holder: AppointmentRow };

/** A refusal offering the nearest free slots (or saying there are none). */
export async function refusedWithAlternatives(
  ctx: ReceptionistToolContext,
  cal: BookingCalendar,
  refusal: "not_bookable" | "slot_taken",
  error: string,
  wanted: { date: string; time: string },
  opts: { exceptId?: string; data?: Record<string, unknown> } = {},
): Promise<ToolResult> {
  // Past the horizon the caller wants a later day than anything bookable: the error says until when.
  const beyond = wanted.date > cal.lastDay;
  const instead = beyond ? [] : await alternatives(ctx, cal, wanted.date, wanted.time, 3, opts.exceptId);
  const offer = instead.length > 0 ? ` The nearest free times are ${spokenSlots(instead)}.` : beyond ? "" : " Nothing is free in the next few weeks.";
  return refused(
    refusal,
    `${error}${offer}`,
    instead.length > 0
      ? "Tell the caller and offer these times; book the one they choose with its date and time."
      : beyond
        ? "Tell the caller, and offer a day within that range."
        : "Apologise, and offer to take a message so the office calls the caller back.",
    { available: instead.map(slotView) },
    { wanted, alternatives: instead.map((s) => ({ date: s.date, time: s.time, startsAt: s.startsAt.toISOString() })), ...opts.data },
  );
}

/** Lost the race at the insert: the database's slot index turned the booking away. */
export const JUST_TAKEN = "That time was just taken by another caller.";

/**
 * Checks `date` + `time` as a slot to book. `ok: "held"` when a booking
 * already covers it (`holder`), for the tool to tell the caller's own
 * booking from someone else's. `exceptId` does not count as holding it.
 */
export async function requestSlot(ctx: ReceptionistToolContext, cal: BookingCalendar, date: string, time: string, exceptId?: string): Promise<SlotRequest> {
  const check = checkSlot(cal, date, time);
  if (!check.ok) return { ok: false, result: await refusedWithAlternatives(ctx, cal, "not_bookable", check.message, { date, time }, { exceptId }) };
  const holders = (await bookedOverlapping(ctx.db, scopeOf(ctx), check.slot.startsAt, check.slot.endsAt)).filter((b) => b.id !== exceptId);
  if (holders.length > 0) return { ok: "held", slot: check.slot, holder: holders[0]! };
  return { ok: true, slot: check.slot };
}
