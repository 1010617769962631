/** Query of GET /v1/appointments: strict, so a misspelt filter is a 422, never an unfiltered list. */
import { z } from "zod";
import { APPOINTMENT_STATUSES } from "../../db/schema.ts";
import { instant, pageCursor, pageLimit, queryFlag, rowId } from "./rows.ts";

export const listAppointmentsQuery = z
  .strictObject({
    receptionist_id: rowId.optional(),
    /** Starting at or after. */
    from: instant.optional(),
    /** Starting before. */
    to: instant.optional(),
    status: z.enum(APPOINTMENT_STATUSES).optional(),
    /** The text test bench's rows (true) or real ones (false, the default): never both. */
    sandbox: queryFlag.default(false),
    /** By start time: asc (the schedule, the default) or desc. */
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: pageLimit(),
    cursor: pageCursor.optional(),
  })
  .refine((q) => !(q.from && q.to && q.to <= q.from), { message: "must be after from", path: ["to"] });
