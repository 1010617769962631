/**
 * Request schemas for the receptionist text test bench:
 * POST /v1/receptionists/:id/test (open a session) and
 * POST /v1/test-sessions/:id/turns (what the caller says). Strict objects,
 * strings built on `text()`.
 */
import { z } from "zod";
import { normalisePhone } from "../../ai/tools/phone.ts";
import { rowId } from "./rows.ts";
import { text } from "./text.ts";

/** A caller turn as a recogniser would give it: one utterance, not an essay. */
export const MAX_TURN_CHARS = 2_000;

const openTestSessionFields = z.strictObject({
  /** false: the tools book and take messages for real (default true: sandbox rows, GET /v1/appointments?sandbox=true). */
  sandbox: z.boolean().optional(),
  /** A saved version to test (default the current one). */
  version: z.number().int().min(1).optional(),
  /** The number the caller would be calling from (take_message's "this number"), normalised to E.164. */
  caller_number: text()
    .max(32)
    .transform((s, ctx) => {
      const n = normalisePhone(s);
      if (n.ok) return n.e164;
      ctx.addIssue({ code: "custom", message: `must be a phone number (${n.problem})` });
        return z.NEVER;
      })
      .optional(),
});

/** No body at all (Elysia hands over null) opens a sandbox session on the current version. */
export const openTestSessionBody = z.preprocess((body) => body ?? {}, openTestSessionFields);

export const testSessionTurnBody = z.strictObject({
  /** What the caller says, as the recogniser's final transcript would have it. */
  text: text()
    .refine((s) => s.trim() !== "", { message: "must not be blank", abort: true })
    .refine((s) => s.length <= MAX_TURN_CHARS, `must be at most ${MAX_TURN_CHARS} characters`),
});

export const testSessionIdParams = z.strictObject({ id: rowId });
