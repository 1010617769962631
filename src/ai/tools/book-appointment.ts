/**
 * book_appointment: books a free slot for the caller. The slot must be on the
 * booking grid, bookable now and free; the insert is the decider — when two
 * callers race for one slot the database's unique index lets exactly one
 * through, and the other is told the slot was just taken and offered the
 * nearest free ones. Booking the same slot again for the same caller (a
 * retried call) answers as booked.
 */
import { SlotTakenError, insertAppointment, bookedOverlapping } from "../../db/queries/appointments.ts";
import type { AppointmentRow } from "../../db/schema.ts";
import { bookingCalendar, scopeOf, type BookingCalendar, type Slot } from "./booking-calendar.ts";
import { appointmentData, appointmentView, sameName } from "./caller-appointments.ts";
import { normalisePhone, spokenPhone } from "./phone.ts";
import { JUST_TAKEN, refusedWithAlternatives, requestSlot } from "./slot-request.ts";
import { refused, succeeded, type ReceptionistTool, type ReceptionistToolContext, type ToolResult } from "./types.ts";
import { isCalendarDate, spokenDateTime } from "./zoned-time.ts";

export interface BookAppointmentArgs {
  date: string;
  time: string;
  name: string;
  phone: string;
  service?: string;
  notes?: string;
}

export const NOT_OFFERED = "Appointments can't be booked on this line.";
export const OFFER_MESSAGE = "Tell the caller, and offer to take a message so the office calls them back.";

export function invalidPhone(argument: string, said: string, problem: string): ToolResult {
  return refused(
    "invalid_phone",
    `The phone number "${said}" can't be used: ${problem}.`,
    `Ask the caller for the number again, with the area code (and the country code if it is not a US or Canadian number), read it back, then call again with it as "${argument}".`,
  );
}

function sameCaller(row: AppointmentRow, name: string, phone: string): boolean {
  return row.phone === phone && sameName(row.name, name);
}

function booked(cal: BookingCalendar, row: AppointmentRow, already: boolean): ToolResult {
  const when = appointmentView(cal, row);
  return succeeded(
    {
      message: `${row.name} ${already ? "was already" : "is now"} booked${row.service ? ` for ${row.service}` : ""} on ${when.spoken}.`,
      ...when,
      duration_minutes: Math.round((row.endsAt.getTime() - row.startsAt.getTime()) / 60_000),
      name: row.name,
      phone: spokenPhone(row.phone),
      next_step: "Confirm the day and time to the caller in the business's local time.",
    },
    { appointment: appointmentData(cal, row), alreadyBooked: already },
  );
}

/** Books `slot` for the caller, or answers why not. */
export async function bookSlot(
  ctx: ReceptionistToolContext,
  cal: BookingCalendar,
  slot: Slot,
  who: { name: string; phone: string; service: string | null; notes: string | null },
): Promise<ToolResult> {
  try {
    const row = await insertAppointment(ctx.db, {
      receptionistId: ctx.receptionist.id,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      name: who.name,
      phone: who.phone,
      service: who.service,
      notes: who.notes,
      conversationId: ctx.conversationId,
      sandbox: ctx.sandbox,
    });
    return booked(cal, row, false);
  } catch (err) {
    if (!(err instanceof SlotTakenError)) throw err;
    const [holder] = await bookedOverlapping(ctx.db, scopeOf(ctx), slot.startsAt, slot.endsAt);
    if (holder && sameCaller(holder, who.name, who.phone)) return booked(cal, holder, true);
    return refusedWithAlternatives(ctx, cal, "slot_taken", JUST_TAKEN, { date: slot.date, time: slot.time }, { data: { lostRace: true } });
  }
}

export const bookAppointment: ReceptionistTool<BookAppointmentArgs> = {
  name: "book_appointment",
  async run(ctx, args) {
    const cal = bookingCalendar(ctx.receptionist.definition, ctx.now);
    if (!cal) return refused("not_offered", NOT_OFFERED, OFFER_MESSAGE);
    if (!isCalendarDate(args.date)) {
      return refused("invalid_arguments", `"${args.date}" is not a date on the calendar.`, "Ask the caller which day they mean, then call again with it as YYYY-MM-DD.");
    }
    const name = args.name.trim();
    if (!name) return refused("invalid_arguments", "The caller's name is missing.", "Ask the caller for their full name.");
    const phone = normalisePhone(args.phone);
    if (!phone.ok) return invalidPhone("phone", args.phone, phone.problem);
    const request = await requestSlot(ctx, cal, args.date, args.time);
    if (request.ok === false) return request.result;
    if (request.ok === "held") {
      if (sameCaller(request.holder, name, phone.e164) && request.holder.startsAt.getTime() === request.slot.startsAt.getTime()) {
        return booked(cal, request.holder, true);
      }
      return refusedWithAlternatives(ctx, cal, "slot_taken", `${spokenDateTime(args.date, args.time)} is already taken.`, { date: args.date, time: args.time }, { data: { lostRace: false } });
    }
    return bookSlot(ctx, cal, request.slot, {
      name,
      phone: phone.e164,
      service: args.service?.trim() || null,
      notes: args.notes?.trim() || null,
    });
  },
};
