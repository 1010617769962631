/**
 * /v1/appointments — what the receptionists booked (book_appointment,
 * reschedule_appointment), in the schedule's order. Real bookings by
 * default; the text test bench's with sandbox=true, never mixed.
 */
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { InvalidCursorError, listAppointments } from "../db/queries/appointments.ts";
import type { AppointmentRow } from "../db/schema.ts";
import { invalidRequest } from "./errors.ts";
import { listAppointmentsQuery } from "./schemas/appointments.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function appointmentJson(row: AppointmentRow) {
  return {
    id: row.id,
    receptionist_id: row.receptionistId,
    status: row.status,
    starts_at: iso(row.startsAt),
    ends_at: iso(row.endsAt),
    name: row.name,
    phone: row.phone,
    service: row.service,
    notes: row.notes,
    /** The conversation that booked it (GET /v1/conversations/:id), when it was a call. */
    conversation_id: row.conversationId,
    /** The appointment this one replaced. */
    rescheduled_from: row.rescheduledFrom,
    sandbox: row.sandbox,
    created_at: iso(row.createdAt),
    cancelled_at: iso(row.cancelledAt),
  };
}

export function appointmentsRoutes({ database }: { database: Database }) {
  const db = database.db;
  return new Elysia({ name: "appointments", prefix: "/v1/appointments" }).get(
    "",
    async ({ query }) => {
      try {
        const page = await listAppointments(db, {
          receptionistId: query.receptionist_id,
          from: query.from,
          to: query.to,
          status: query.status,
          sandbox: query.sandbox,
          order: query.order,
          limit: query.limit,
          cursor: query.cursor,
        });
        return { appointments: page.appointments.map(appointmentJson), next_cursor: page.nextCursor };
      } catch (err) {
        if (err instanceof InvalidCursorError) throw invalidRequest([{ field: "cursor", message: err.message }]);
        throw err;
      }
    },
    {
      query: listAppointmentsQuery,
      detail: {
        summary: "Appointments by start time (filter by receptionist_id, from, to, status, sandbox)",
        description: "from is inclusive, to exclusive, both ISO 8601 with an offset. sandbox=true lists the text test bench's bookings instead of real ones. Page with next_cursor (same order).",
        tags: ["appointments"],
      },
    },
  );
}
