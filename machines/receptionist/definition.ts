/**
 * A receptionist definition: everything a small business sets to have its
 * number answered — who it is (profile, FAQ), how the bot sounds and thinks
 * (voice, model), whom it hands callers to (transfer targets), how it books
 * and takes messages, its limits and safety rules, and its flow. One zod
 * schema, the body of POST /v1/receptionists (snake_case, strict objects: a
 * field the API does not know is refused, naming it) and, through
 * z.toJSONSchema, its OpenAPI document.
 *
 * Checks that span fields (the flow offers booking tools but no booking
 * settings, a transfer_to_human target enum that names no transfer target, …)
 * are in definition-check.ts.
 */
import { z } from "zod";
import { checkDefinition } from "./definition-check.ts";
import { FlowSchema, FUNCTION_NAME, dialString } from "./flow-schema.ts";
import { WeeklyHoursSchema, hasAnyHours } from "./hours.ts";
import { line, prose, snakeName, unique } from "./text.ts";

// ─── business ────────────────────────────────────────────────────────────────

/** An IANA zone name the runtime's Intl knows ("America/New_York", "Europe/Berlin", "UTC"); not an offset. */
export function isIanaTimezone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timezone = z.string().max(64).refine(isIanaTimezone, "must be an IANA timezone such as America/New_York");

export const BusinessProfileSchema = z.strictObject({
  name: line(120),
  /** Every date and time the receptionist says or books is in this zone. */
  timezone,
  opening_hours: WeeklyHoursSchema,
  address: line(300).optional(),
  /** The business's own number, if callers may be told it. */
  phone: z.string().regex(/^\+?[0-9 ()-]{3,32}$/, "must be a phone number").optional(),
  services: unique(line(200), 50).default([]),
  /** Where the business works ("Alameda, Contra Costa and Santa Clara counties"), for callers who ask. */
  service_area: line(300).optional(),
});

export const FaqEntrySchema = z.strictObject({
  question: line(300),
  answer: prose(2000),
  /** Words that point to this entry when the caller phrases the question differently. */
  keywords: unique(line(60), 20).optional(),
});

// ─── voice and model ─────────────────────────────────────────────────────────

/** mod_flite's voices; OpenAI TTS voices (see the voice-AI reference, §3). */
export const VOICES = {
  flite: ["kal", "slt", "rms", "awb"],
  openai: ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"],
} as const;

export const VoiceSchema = z
  .strictObject({ engine: z.enum(["flite", "openai"]), voice: z.string().max(32) })
  .refine((v) => (VOICES[v.engine] as readonly string[]).includes(v.voice), {
    message: "must be a voice of the engine (flite: kal, slt, rms, awb; openai: alloy, ash, ballad, coral, echo, fable, onyx, nova, sage, shimmer, verse, marin, cedar)",
    path: ["voice"],
  });

export const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/, "must be a model name such as gpt-4o-mini");

// ─── transfer, booking, messages ─────────────────────────────────────────────

export const TransferTargetSchema = z.strictObject({
  /** What the model passes as transfer_to_human's target: "front_desk", "sales", "on_call". */
  name: snakeName,
  /** Whom the target is for, as the model reads it ("new systems and quotes"). */
  description: line(200).optional(),
  /** Exactly one endpoint (machines/dial-target.ts): a number, or sofia/gateway/…, user/…, loopback/…. */
  dial_string: dialString,
  /** When the target answers, in the business's timezone; absent: always. Out of hours, the caller is offered a message. */
  hours: WeeklyHoursSchema.optional(),
  /** Warm: the caller holds while the person answering hears a one-line summary, then both are bridged. */
  warm: z.boolean().default(false),
  /** No answer within this long: the caller is back with the receptionist. */
  ring_timeout_s: z.number().int().min(5).max(120).default(20),
});

export const BookingSettingsSchema = z.strictObject({
  slot_minutes: z.number().int().min(5).max(480),
  bookable_hours: WeeklyHoursSchema.refine(hasAnyHours, "must have at least one range: nothing could be booked"),
  /** The earliest a slot can be booked, from now. */
  lead_time_minutes: z.number().int().min(0).max(43_200).default(60),
  /** The latest a slot can be booked, in days from today. */
  horizon_days: z.number().int().min(1).max(365).default(60),
  /** One caller per slot: the appointments table enforces it. The field is here so the shape can grow. */
  max_per_slot: z.literal(1).default(1),
});

export const MESSAGE_FIELDS = ["name", "callback_number", "reason", "urgency"] as const;

export const MessageSettingsSchema = z.strictObject({
  /** What a message must have before take_message records it. */
  required_fields: unique(z.enum(MESSAGE_FIELDS), MESSAGE_FIELDS.length).default(["name", "callback_number", "reason"]),
  /** The urgency a message can carry, least urgent first. */
  urgency_levels: unique(snakeName, 8).min(1).default(["low", "normal", "high", "urgent"]),
});

// ─── limits and safety ───────────────────────────────────────────────────────

export const LimitsSchema = z.strictObject({
  /** The caller has said nothing this long: the receptionist asks whether they are still there (a node's timeout_s overrides it). */
  silence_timeout_s: z.number().int().min(2).max(120).default(8),
  /** The call's length limit, from the answer (Vapi's default: 600). */
  max_duration_s: z.number().int().min(30).max(7200).default(600),
});

export const EmergencySchema = z.strictObject({
  /** Words in the caller's speech that mean an emergency ("chest pain", "bleeding"). */
  keywords: unique(line(60), 50).min(1),
  /** Said word for word on an emergency, never left to the model. */
  instruction: line(500),
  /** A global function of the flow that leads to its emergency handling; the runtime calls it on a keyword. */
  function: z.string().regex(FUNCTION_NAME, "must be a function name").optional(),
});

export const SafetySchema = z.strictObject({
  /** Subjects the receptionist declines (diagnosis, legal advice, other patients' information). */
  blocked_topics: unique(line(100), 30).default([]),
  emergency: EmergencySchema.optional(),
  /** Pass the bot's replies through the moderation endpoint when one is configured. */
  moderation: z.boolean().default(false),
  /**
   * What the receptionist says to a caller probing for its instructions, and
   * instead of a reply it must not give (src/ai/safety). Default: "I'm sorry, I
   * can't help with that, but I can help you with appointments, messages or
   * questions about <business name>."
   */
  safe_line: line(300).optional(),
});

// ─── the definition ──────────────────────────────────────────────────────────

export const ReceptionistDefinitionShape = z.strictObject({
  name: line(100),
  /** The first thing the caller hears. */
  greeting: line(500),
  business: BusinessProfileSchema,
  faq: z.array(FaqEntrySchema).max(100).default([]),
  voice: VoiceSchema,
  model: modelName.default("gpt-4o-mini"),
  temperature: z.number().min(0).max(2).default(0.4),
  transfer_targets: z.array(TransferTargetSchema).max(20).default([]),
  /** Required when the flow offers a booking tool. */
  booking: BookingSettingsSchema.optional(),
  messages: MessageSettingsSchema.prefault({}),
  limits: LimitsSchema.prefault({}),
  safety: SafetySchema.prefault({}),
  flow: FlowSchema,
});

export const ReceptionistDefinitionSchema = ReceptionistDefinitionShape.superRefine((definition, ctx) => {
  for (const problem of checkDefinition(definition)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
});

export type ReceptionistDefinition = z.output<typeof ReceptionistDefinitionSchema>;
export type ReceptionistDefinitionInput = z.input<typeof ReceptionistDefinitionSchema>;
export type BusinessProfile = z.output<typeof BusinessProfileSchema>;
export type FaqEntry = z.output<typeof FaqEntrySchema>;
export type Voice = z.output<typeof VoiceSchema>;
export type TransferTarget = z.output<typeof TransferTargetSchema>;
export type BookingSettings = z.output<typeof BookingSettingsSchema>;
export type MessageSettings = z.output<typeof MessageSettingsSchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type SafetySettings = z.output<typeof SafetySchema>;
