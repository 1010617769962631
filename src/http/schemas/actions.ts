/**
 * An action on a call: one shape, `{"type": "<verb>", …fields}`, whether it is
 * sent live (POST /v1/calls/:id/actions) or scripted in POST /v1/calls
 * (`first_action`, `actions`). Each verb has one strict schema here; the live
 * endpoint takes every verb, a script the verbs that make sense before anyone
 * can act on the call (say, play, gather, hangup; first_action without hangup).
 *
 * Strict objects: a field the API does not know is refused with 422 naming it.
 */
import { z } from "zod";
import {
  destination,
  dialplanContext,
  dtmfDigits,
  extension,
  hangupCauseName,
  mediaUrl,
  singleLine,
  terminators,
  voiceName,
} from "./fields.ts";

export const sayAction = z.strictObject({
  type: z.literal("say"),
  text: singleLine(4000),
  voice: voiceName.optional(),
});

export const playAction = z.strictObject({
  type: z.literal("play"),
  url: mediaUrl,
  loop: z.number().int().min(1).max(100).optional(),
});

/** Collect DTMF (FreeSWITCH play_and_get_digits), with an optional spoken or played prompt. */
export const gatherAction = z
  .strictObject({
    type: z.literal("gather"),
    min_digits: z.number().int().min(1).max(128).default(1),
    max_digits: z.number().int().min(1).max(128).default(1),
    timeout_ms: z.number().int().min(500).max(120_000).default(5000),
    terminators: terminators.default("#"),
    say: singleLine(4000).optional(),
    play: mediaUrl.optional(),
  })
  .refine((g) => g.max_digits >= g.min_digits, { message: "must be at least min_digits", path: ["max_digits"] })
  .refine((g) => !(g.say && g.play), { message: "give say or play, not both", path: ["play"] });

export const hangupAction = z.strictObject({
  type: z.literal("hangup"),
  /** A FreeSWITCH cause name is used as the cause; otherwise NORMAL_CLEARING (or the cancel/reject cause). */
  reason: hangupCauseName.optional(),
});

export const sendDtmfAction = z.strictObject({ type: z.literal("send_dtmf"), digits: dtmfDigits });

export const transferAction = z.strictObject({
  type: z.literal("transfer"),
  extension,
  context: dialplanContext.optional(),
});

export const bridgeAction = z.strictObject({ type: z.literal("bridge"), to: destination });

export const answerAction = z.strictObject({ type: z.literal("answer") });

/** Stop what the call is playing or speaking now (uuid_break … all); the call goes back to idle. */
export const breakAction = z.strictObject({ type: z.literal("break") });

/** Said when `type` is missing or names no verb (an old `{"action": …}` body lands here too). */
const unknownType = (verbs: readonly string[]) => ({
  error: `must be one of: ${verbs.join(", ")} — an action names its verb in "type", e.g. {"type": "play", "url": "…"}`,
});

const SCRIPT_VERBS = ["say", "play", "gather", "hangup"] as const;
const FIRST_ACTION_VERBS = ["say", "play", "gather"] as const;
const LIVE_VERBS = ["say", "play", "gather", "hangup", "send_dtmf", "transfer", "bridge", "answer", "break"] as const;

/** What an outbound call runs first once answered. */
export const firstAction = z.discriminatedUnion("type", [sayAction, playAction, gatherAction], unknownType(FIRST_ACTION_VERBS));

/** A call script: steps run in order once the call is answered (after first_action). */
export const scriptStep = z.discriminatedUnion("type", [sayAction, playAction, gatherAction, hangupAction], unknownType(SCRIPT_VERBS));

/** An action on a live call: every verb, gated by the call's state (409 when the state cannot take it). */
export const callAction = z.discriminatedUnion(
  "type",
  [sayAction, playAction, gatherAction, hangupAction, sendDtmfAction, transferAction, bridgeAction, answerAction, breakAction],
  unknownType(LIVE_VERBS),
);

export type ScriptStepBody = z.infer<typeof scriptStep>;
export type CallActionBody = z.infer<typeof callAction>;
