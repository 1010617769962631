/**
 * cancel_appointment: cancels the caller's booked appointment, found by their
 * name and the number it was booked with (both must match), narrowed by the
 * date and time when they gave them. More than one left → the model asks
 * which; none → it asks the caller to check the name and number.
 */
import { cancelAppointment as cancelRow } from "../../db/queries/appointments.ts";
import type { AppointmentRow } from "../../db/schema.ts";
import type { BookingCalendar } from "./booking-calendar.ts";
import { appointmentData, appointmentView, findCallerAppointments, spokenAppointments, spokenWhen } from "./caller-appointments.ts";
import { invalidPhone } from "./book-appointment.ts";
import { normalisePhone } from "./phone.ts";
import { refused, succeeded, type ReceptionistTool, type ReceptionistToolContext, type ToolResult } from "./types.ts";
import { isCalendarDate, spokenDate, spokenDateTime, spokenTime } from "./zoned-time.ts";

export interface CancelAppointmentArgs {
  name: string;
  phone: string;
  date?: string;
  time?: string;
}

/** The zone appointments are spoken in: the business's, whether or not it books now (old bookings stay cancellable). */
export function zoneOf(ctx: ReceptionistToolContext): Pick<BookingCalendar, "zone"> {
  return { zone: ctx.receptionist.definition.business.timezone };
}

/**
 * The one appointment the caller means, or the answer that asks them (none
 * found, several, none on the day they said). `verb` names what the caller
 * wants done with it.
 */
export async function theCallersAppointment(
  ctx: ReceptionistToolContext,
  who: { name: string; phone: string; date?: string; time?: string },
  verb: "cancel" | "move",
  argNames: { date: string; time: string },
): Promise<{ ok: true; appointment: AppointmentRow } | { ok: false; result: ToolResult }> {
  const cal = zoneOf(ctx);
  const found = await findCallerAppointments(ctx, cal, who);
  switch (found.kind) {
    case "one":
      return { ok: true, appointment: found.appointment };
    case "none":
      return {
        ok: false,
        result: refused(
          "not_found",
          "There is no upcoming appointment under that name and phone number.",
          "Ask the caller to check the name and the phone number the appointment was booked with; never say whether a number or name exists on its own.",
        ),
      };
    case "many":
      return {
        ok: false,
        result: refused(
          "ambiguous",
          `The caller has ${found.appointments.length} appointments that match: ${spokenAppointments(cal, found.appointments)}.`,
          `Ask which one to ${verb}, then call again with its "${argNames.date}" and "${argNames.time}".`,
          { appointments: found.appointments.map((a) => appointmentView(cal, a)) },
        ),
      };
    case "elsewhere": {
      const asked = who.date && who.time ? spokenDateTime(who.date, who.time) : who.date ? spokenDate(who.date) : `${spokenTime(who.time!)}`;
      return {
        ok: false,
        result: refused(
          "not_found",
          `There is no appointment for the caller on ${asked}; they have ${spokenAppointments(cal, found.appointments)}.`,
          `Ask whether they mean ${found.appointments.length === 1 ? "that one" : "one of those"}, then call again with its "${argNames.date}" and "${argNames.time}".`,
          { appointments: found.appointments.map((a) => appointmentView(cal, a)) },
        ),
      };
    }
  }
}

export const cancelAppointment: ReceptionistTool<CancelAppointmentArgs> = {
  name: "cancel_appointment",
  async run(ctx, args) {
    if (args.date !== undefined && !isCalendarDate(args.date)) {
      return refused("invalid_arguments", `"${args.date}" is not a date on the calendar.`, "Ask the caller which day the appointment is, as YYYY-MM-DD, or leave the date out.");
    }
    const phone = normalisePhone(args.phone);
    if (!phone.ok) return invalidPhone("phone", args.phone, phone.problem);
    const found = await theCallersAppointment(ctx, { name: args.name, phone: phone.e164, date: args.date, time: args.time }, "cancel", { date: "date", time: "time" });
    if (!found.ok) return found.result;
    const cal = zoneOf(ctx);
    const cancelled = await cancelRow(ctx.db, found.appointment.id, ctx.now);
    if (!cancelled) {
      return refused("not_found", `The appointment on ${spokenWhen(cal, found.appointment)} was already cancelled.`, "Tell the caller it is already cancelled.");
    }
    return succeeded(
      {
        message: `Cancelled the appointment on ${spokenWhen(cal, cancelled)} for ${cancelled.name}.`,
        ...appointmentView(cal, cancelled),
        next_step: "Tell the caller it is cancelled, and offer to book another time.",
      },
      { appointment: appointmentData(cal, cancelled) },
    );
  },
};
