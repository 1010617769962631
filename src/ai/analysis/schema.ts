/**
 * What the post-call analysis asks the model for, in two forms kept side by
 * side: the JSON schema sent as `response_format: {type: "json_schema",
 * json_schema: {name, strict: true, schema}}` (OpenAI's structured outputs:
 * with `strict`, every property must be listed in `required` and objects must
 * say `additionalProperties: false`; an optional value is a `null` in a type
 * union), and the zod schema the reply is checked with — a reply is never
 * trusted because a schema was sent.
 */
import { z } from "zod";
import type { StoredAnalysis } from "../../db/schema.ts";
import { normalisePhone } from "../tools/phone.ts";

/** The `json_schema.name`: how the simulated OpenAI recognises an analysis request (src/sim/openai/analysis.ts). */
export const ANALYSIS_SCHEMA_NAME = "post_call_analysis";

/** The business's local date and time of an appointment, as the tools speak it: YYYY-MM-DDTHH:MM. */
export const LOCAL_START_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$";

const nullableString = (description: string) => ({ type: ["string", "null"], description });

/** response_format.json_schema.schema (strict mode: all required, no extra properties). */
export const ANALYSIS_JSON_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["summary", "caller_name", "reason", "callback_number", "appointment", "success", "outcome_reason"],
  properties: {
    summary: { type: "string", description: "Two or three sentences: who called, what they wanted, what was done." },
    caller_name: nullableString("The caller's name as they gave it; null when they gave none."),
    reason: nullableString("Why the caller called, in a few words; null when it never became clear."),
    callback_number: nullableString("The number to call the caller back on, as they gave it or the tools recorded it; null when none."),
    // A nullable object is a union with null (anyOf), the form strict mode documents for it.
    appointment: {
      description: "The appointment the call ended with (booked or rescheduled, not cancelled); null when none.",
      anyOf: [
        {
          type: "object",
          additionalProperties: false,
          required: ["start", "service"],
          properties: {
            start: { type: "string", description: "The business's local date and time, YYYY-MM-DDTHH:MM." },
            service: nullableString("The service booked, when one was named."),
          },
        },
        { type: "null" },
      ],
    },
    success: { type: "boolean", description: "Did the caller get what they called for (booked, message taken, answered, transferred)?" },
    outcome_reason: { type: "string", description: "One sentence: why the call counts as a success or not." },
  },
} as const;

const boundedText = (max: number) => z.string().trim().min(1).max(max);

/** The model's reply, checked. Blank strings mean "none", as null does. */
export const analysisReply = z.strictObject({
  summary: boundedText(2000),
  caller_name: z
    .string()
    .trim()
    .max(200)
    .nullable()
    .transform((s) => s || null),
  reason: z
    .string()
    .trim()
    .max(500)
    .nullable()
    .transform((s) => s || null),
  callback_number: z
    .string()
    .trim()
    .max(64)
    .nullable()
    .transform((s) => s || null),
  appointment: z
    .strictObject({
      start: z.string().regex(new RegExp(LOCAL_START_PATTERN), "must be the local date and time as YYYY-MM-DDTHH:MM"),
      service: z
        .string()
        .trim()
        .max(200)
        .nullable()
        .transform((s) => s || null),
    })
    .nullable(),
  success: z.boolean(),
  outcome_reason: boundedText(500),
});
export type AnalysisReply = z.infer<typeof analysisReply>;

export class InvalidAnalysisError extends Error {
  override name = "InvalidAnalysisError";
}

/**
 * The reply's message content → the stored analysis. Throws
 * InvalidAnalysisError naming what was wrong (not JSON, a field that fails
 * the schema). A callback number is normalised to E.164 by the tools' own
 * rules; one that cannot be is dropped (null) rather than stored unusable.
 */
export function parseAnalysis(content: string | null | undefined, model: string): StoredAnalysis {
  if (!content) throw new InvalidAnalysisError("the reply has no content");
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new InvalidAnalysisError("the reply is not JSON");
  }
  const parsed = analysisReply.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "(reply)";
    throw new InvalidAnalysisError(`the reply's ${field} ${issue.message.toLowerCase()}`);
  }
  const r = parsed.data;
  const phone = r.callback_number ? normalisePhone(r.callback_number) : null;
  return {
    summary: r.summary,
    callerName: r.caller_name,
    reason: r.reason,
    callbackNumber: phone?.ok ? phone.e164 : null,
    appointment: r.appointment ? { start: r.appointment.start, service: r.appointment.service } : null,
    success: r.success,
    outcomeReason: r.outcome_reason,
    model,
  };
}
