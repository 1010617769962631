/**
 * Request schemas for conversations: the `conversation` object of
 * POST /v1/calls (what the bot is told, says first and sounds like), and the
 * query of GET /v1/conversations. Strict objects, strings built on `text()`.
 *
 * The system prompt is taken here and never given back: no answer of the API
 * carries it (http/conversation-view.ts has no field for it).
 */
import { z } from "zod";
import { ANALYSIS_STATUSES, CONVERSATION_STATUSES } from "../../db/schema.ts";
import { TRANSFER_RESULTS } from "../conversation-transfer.ts";
import { FLITE_VOICES } from "../../speech/tts/switch-speak.ts";
import { voiceName } from "./fields.ts";
import { resourceId, text } from "./text.ts";

export const MAX_SYSTEM_PROMPT_BYTES = 16 * 1024;
export const MAX_FIRST_MESSAGE_BYTES = 2 * 1024;

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Free text of at most `max` bytes of UTF-8 (what a model or the switch is sent), not blank. */
const boundedText = (maxBytes: number) =>
  text()
    .refine((s) => s.trim() !== "", { message: "must not be blank", abort: true })
    .refine((s) => utf8Bytes(s) <= maxBytes, `must be at most ${maxBytes} bytes of UTF-8 (${maxBytes / 1024} KB)`);

/** The engine and voice the bot speaks with: FreeSWITCH's own (flite), or OpenAI TTS played as a file. */
export const conversationVoice = z.discriminatedUnion(
  "engine",
  [
    z.strictObject({ engine: z.literal("flite"), voice: z.enum(FLITE_VOICES) }),
    z.strictObject({ engine: z.literal("openai"), voice: voiceName }),
  ],
  { error: 'must name an engine: "flite" (FreeSWITCH speak) or "openai" (OpenAI TTS)' },
);

/** A model name as the language model's API takes it (gpt-4o-mini, a fine-tune's ft:…:…). */
export const modelName = z.string().regex(/^[\w.:/-]{1,128}$/, "must be a model name: 1-128 letters, digits, . _ : / -");

/**
 * A conversation the call runs once answered: the bot listens, thinks with the
 * language model and speaks through the call (no tools yet).
 */
export const conversationSpec = z.strictObject({
  /** What the model is told: how to behave. Kept for resume and audit, never shown by the API. */
  system_prompt: boundedText(MAX_SYSTEM_PROMPT_BYTES),
  /** Said once the call is answered, before anything is heard. Without it the bot waits for the callee to speak. */
  first_message: boundedText(MAX_FIRST_MESSAGE_BYTES)
    .refine((s) => !/[\r\n]/.test(s), "must be a single line (no CR or LF): it is spoken as one say")
    .optional(),
  /** Default: the runtime's TTS engine and voice (TTS_ENGINE, TTS_VOICE). */
  voice: conversationVoice.optional(),
  /** Default: the runtime's configured model. */
  model: modelName.optional(),
  temperature: z.number().min(0).max(2).optional(),
});
export type ConversationSpec = z.infer<typeof conversationSpec>;

export const listConversationsQuery = z.strictObject({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  call_id: resourceId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_=-]{1,512}$/, "must be the next_cursor of a previous page")
    .optional(),
});

export const conversationIdParams = z.strictObject({
  id: resourceId,
});

/** What GET /v1/conversations/:id answers about the post-call analysis (http/conversation-view.ts analysisJson). */
export const conversationAnalysis = z
  .object({
    status: z.enum(ANALYSIS_STATUSES).describe("pending until the model pass is stored; done, failed or skipped"),
    summary: z.string().nullable(),
    caller_name: z.string().nullable(),
    reason: z.string().nullable().describe("why the caller called"),
    callback_number: z.string().nullable().describe("E.164"),
    appointment: z
      .object({ start: z.string().describe("the business's local date and time, YYYY-MM-DDTHH:MM"), service: z.string().nullable() })
      .nullable()
      .describe("the appointment the call ended with (booked or rescheduled, not cancelled)"),
    success: z.boolean().nullable().describe("did the caller get what they called for"),
    outcome_reason: z.string().nullable(),
    model: z.string().nullable(),
    error: z.string().nullable().describe("why it failed or was skipped"),
    analyzed_at: z.string().nullable(),
  })
  .describe("post-call analysis: one model pass over the ended conversation; null while it lives");

/** What GET /v1/conversations/:id answers about the transfer (http/conversation-transfer.ts). */
export const conversationTransfer = z
  .object({
    target: z.string().nullable().describe("the transfer target's name, as transfer_to_human named it"),
    warm: z.boolean().describe("warm: the agent was rung and told a summary first; blind: the caller was bridged straight to `to`"),
    to: z.string().describe("the dial string rung"),
    agent_call_id: z.string().nullable().describe("the agent's call (GET /v1/calls/:id); null for a blind transfer"),
    result: z
      .enum(TRANSFER_RESULTS)
      .describe("ringing, answered (bridge pending) or transferring while under way; then bridged, no_answer, busy, failed or cancelled (the caller left)"),
    cause: z.string().nullable().describe("why it did not go through: the agent leg's hangup cause, a refusal, a failure"),
    started_at: z.string(),
    ended_at: z.string().nullable(),
  })
  .describe("the conversation's last transfer, as journalled; null when it never transferred");

/**
 * The answer of GET /v1/conversations/:id, for the OpenAPI document: the
 * fields every conversation has are listed loosely (the view builds them), the
 * analysis and the transfer exactly.
 */
export const conversationResponse = z
  .object({
    id: z.string(),
    call_id: z.string(),
    status: z.enum(CONVERSATION_STATUSES),
    analysis: conversationAnalysis.nullable(),
    transfer: conversationTransfer.nullable(),
  })
  .loose();
