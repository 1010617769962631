/**
 * Request schemas for /v1/numbers. A DID is written as a person writes a
 * number — "+1 (212) 555-0123", "12125550123", "+44 20 7946 0958" — and
 * normalised to E.164 by the same normaliser the receptionist's tools use
 * (src/ai/tools/phone.ts); only digits, +, spaces and ( ) . - are accepted
 * here, so the spoken forms that normaliser also reads ("oh", "double five")
 * stay a caller's, not an API client's.
 */
import { z } from "zod";
import { normalisePhone } from "../../ai/tools/phone.ts";
import { pageCursor, pageLimit, rowId } from "./rows.ts";

export const did = z
  .string()
  .regex(/^[+0-9() .-]{1,32}$/, "must be a phone number: digits with an optional +, spaces, ( ) . -, e.g. +12125550123")
  .transform((s, ctx) => {
    const normalised = normalisePhone(s);
    if (normalised.ok) return normalised.e164;
    ctx.addIssue({ code: "custom", message: `is not a phone number that can be routed: ${normalised.problem} (E.164 expected, e.g. +12125550123)` });
    return z.NEVER;
  });

export const assignNumberBody = z.strictObject({
  /** The dialled number (DID) as the switch delivers it to the dialplan; stored as E.164. */
  did,
  receptionist_id: rowId,
});

export const listNumbersQuery = z.strictObject({
  receptionist_id: rowId.optional(),
  limit: pageLimit(),
  cursor: pageCursor.optional(),
});

export const numberParams = z.strictObject({ did });
