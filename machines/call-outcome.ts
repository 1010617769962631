/**
 * How a call ended, in Twilio's status words — a pure function of the hangup
 * cause, whether the call was answered, and who (if anyone) cancelled it.
 *
 * Kept apart from the machine so the CDR writer, webhooks and tests can apply
 * the same rule to a journalled call without running an actor.
 */
import { isHangupCause, q850ForCause } from "./switch/hangup-causes.ts";

/** Twilio's call status values; the first four are live, the rest final. */
export type CallStatus =
  | "queued"
  | "initiated"
  | "ringing"
  | "in-progress"
  | "completed"
  | "busy"
  | "no-answer"
  | "failed"
  | "canceled";

export type LiveCallStatus = Extract<CallStatus, "queued" | "initiated" | "ringing" | "in-progress">;
export type FinalCallStatus = Exclude<CallStatus, LiveCallStatus>;

/**
 * Who ended the call: the far end (caller on an inbound leg, callee on an
 * outbound one), our HTTP API, one of our limits, the switch itself, or the
 * runtime (e.g. it could not place the originate).
 */
export type HangupBy = "caller" | "callee" | "api" | "time_limit" | "ring_timeout" | "switch" | "system";

/** Who cancelled an unanswered call: our API, or an inbound caller who gave up ringing. */
export type CancelledBy = "api" | "caller" | null;

/** The far end is busy (Q.850 17; BUSY_EVERYWHERE is SIP 600). */
const BUSY_CAUSES = new Set(["USER_BUSY", "BUSY_EVERYWHERE"]);

/** Nobody picked up in time; ALLOTTED_TIMEOUT is FreeSWITCH's own timer (originate/leg_timeout). */
const NO_ANSWER_CAUSES = new Set(["NO_ANSWER", "NO_USER_RESPONSE", "PROGRESS_TIMEOUT", "ALLOTTED_TIMEOUT"]);

/**
 * Causes raised by the switch or the network rather than by a person: a
 * CHANNEL_HANGUP with one of these was not the far end hanging up.
 */
const SWITCH_SIDE_CAUSES = new Set([
  "SYSTEM_SHUTDOWN",
  "CRASH",
  "MEDIA_TIMEOUT",
  "MANAGER_REQUEST",
  "LOSE_RACE",
  "GATEWAY_DOWN",
  "INVALID_GATEWAY",
  "INVALID_PROFILE",
  "INVALID_URL",
  "NETWORK_OUT_OF_ORDER",
  "SWITCH_CONGESTION",
  "RECOVERY_ON_TIMER_EXPIRE",
  "DESTINATION_OUT_OF_ORDER",
  "NORMAL_TEMPORARY_FAILURE",
]);

export interface OutcomeInput {
  /** The FreeSWITCH cause name (CHANNEL_HANGUP's Hangup-Cause or the originate's -ERR), null when none was reported. */
  hangupCause: string | null;
  answered: boolean;
  cancelledBy: CancelledBy;
}

/**
 * The final status of a call:
 * answered → completed; USER_BUSY/BUSY_EVERYWHERE → busy; NO_ANSWER-like → no-answer;
 * cancelled by us (or an inbound caller abandoning) → canceled; anything else → failed.
 * A busy or no-answer cause wins over a cancel that raced with it: the far end spoke first.
 */
export function callOutcome({ hangupCause, answered, cancelledBy }: OutcomeInput): FinalCallStatus {
  if (answered) return "completed";
  if (hangupCause !== null && BUSY_CAUSES.has(hangupCause)) return "busy";
  if (hangupCause !== null && NO_ANSWER_CAUSES.has(hangupCause)) return "no-answer";
  if (cancelledBy !== null) return "canceled";
  return "failed";
}

/** True when this cause says the switch or network ended the call, not the far end. */
export function isSwitchSideCause(cause: string): boolean {
  return SWITCH_SIDE_CAUSES.has(cause);
}

/** A cause name FreeSWITCH accepts for uuid_kill / hangup (switch_types.h). */
export function isKnownHangupCause(cause: string): boolean {
  return isHangupCause(cause);
}

/** variable_hangup_cause_q850 for a cause name: the code when ≤ 127, else 16 (switch_channel_cause_q850). */
export function q850For(cause: string): number {
  return q850ForCause(cause);
}

/**
 * The Twilio status shown for a live machine state (e.g. "in_progress.playing"), or null
 * once the call has ended. `lastLive` is the status before a hangup began: while we wait
 * for the switch to confirm the hangup the call still shows what it was.
 */
export function liveStatusForState(state: string, lastLive: LiveCallStatus): LiveCallStatus | null {
  const top = state.split(".")[0];
  switch (top) {
    case "queued":
      return "queued";
    case "initiating":
      return "initiated";
    case "ringing":
    case "early_media":
      return "ringing";
    case "in_progress":
      return "in-progress";
    // Still on the switch until it confirms the hangup: show what the caller would see.
    case "hanging_up":
    case "ending":
      return lastLive;
    default:
      return null;
  }
}
