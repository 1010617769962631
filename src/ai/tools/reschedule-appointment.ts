/**
 * reschedule_appointment: moves the caller's appointment (found as
 * cancel_appointment finds it) to a new free slot, atomically — the new slot
 * is booked and the old one cancelled in one transaction, so a caller who
 * loses the new slot to someone else keeps the old one.
 */
import { AppointmentGoneError, rescheduleAppointment as moveRows, SlotTakenError } from "../../db/queries/appointments.ts";
import { bookingCalendar } from "./booking-calendar.ts";
import { invalidPhone, NOT_OFFERED, OFFER_MESSAGE } from "./book-appointment.ts";
import { theCallersAppointment } from "./cancel-appointment.ts";
import { appointmentData, appointmentView, spokenWhen } from "./caller-appointments.ts";
import { normalisePhone } from "./phone.ts";
import { JUST_TAKEN, refusedWithAlternatives, requestSlot } from "./slot-request.ts";
import { refused, succeeded, type ReceptionistTool } from "./types.ts";
import { isCalendarDate, spokenDateTime } from "./zoned-time.ts";

export interface RescheduleAppointmentArgs {
  name: string;
  phone: string;
  old_date?: string;
  old_time?: string;
  new_date: string;
  new_time: string;
}

export const rescheduleAppointment: ReceptionistTool<RescheduleAppointmentArgs> = {
  name: "reschedule_appointment",
  async run(ctx, args) {
    const cal = bookingCalendar(ctx.receptionist.definition, ctx.now);
    if (!cal) return refused("not_offered", NOT_OFFERED, OFFER_MESSAGE);
    for (const key of ["old_date", "new_date"] as const) {
      const date = args[key];
      if (date !== undefined && !isCalendarDate(date)) {
        return refused("invalid_arguments", `"${date}" is not a date on the calendar.`, `Ask the caller which day they mean, then call again with "${key}" as YYYY-MM-DD.`);
      }
    }
    const phone = normalisePhone(args.phone);
    if (!phone.ok) return invalidPhone("phone", args.phone, phone.problem);
    const found = await theCallersAppointment(ctx, { name: args.name, phone: phone.e164, date: args.old_date, time: args.old_time }, "move", {
      date: "old_date",
      time: "old_time",
    });
    if (!found.ok) return found.result;
    const old = found.appointment;
    const wanted = { date: args.new_date, time: args.new_time };
    const request = await requestSlot(ctx, cal, wanted.date, wanted.time, old.id);
    if (request.ok === false) return request.result;
    if (request.ok === "held") {
      return refusedWithAlternatives(ctx, cal, "slot_taken", `${spokenDateTime(wanted.date, wanted.time)} is already taken.`, wanted, {
        exceptId: old.id,
        data: { lostRace: false },
      });
    }
    const slot = request.slot;
    if (slot.startsAt.getTime() === old.startsAt.getTime()) {
      return succeeded(
        { message: `The appointment is already on ${spokenWhen(cal, old)}.`, ...appointmentView(cal, old), next_step: "Tell the caller nothing needed to change." },
        { appointment: appointmentData(cal, old), unchanged: true },
      );
    }
    try {
      const { cancelled, booked } = await moveRows(
        ctx.db,
        old.id,
        {
          receptionistId: ctx.receptionist.id,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          name: old.name,
          phone: old.phone,
          service: old.service,
          notes: old.notes,
          conversationId: ctx.conversationId,
          sandbox: ctx.sandbox,
        },
        ctx.now,
      );
      const was = appointmentView(cal, cancelled);
      const now = appointmentView(cal, booked);
      return succeeded(
        {
          message: `Moved the appointment from ${was.spoken} to ${now.spoken}.`,
          old_date: was.date,
          old_time: was.time,
          new_date: now.date,
          new_time: now.time,
          spoken: now.spoken,
          next_step: "Confirm the new day and time to the caller in the business's local time.",
        },
        { cancelled: appointmentData(cal, cancelled), booked: appointmentData(cal, booked) },
      );
    } catch (err) {
      if (err instanceof SlotTakenError) {
        return refusedWithAlternatives(ctx, cal, "slot_taken", `${JUST_TAKEN} The appointment is still on ${spokenWhen(cal, old)}.`, wanted, {
          exceptId: old.id,
          data: { lostRace: true },
        });
      }
      if (err instanceof AppointmentGoneError) {
        return refused("not_found", `The appointment on ${spokenWhen(cal, old)} was cancelled meanwhile, so nothing was moved.`, "Tell the caller, and offer to book the new time as a new appointment.");
      }
      throw err;
    }
  },
};
