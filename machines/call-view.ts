/**
 * Reading a call snapshot from outside the machine: its dotted state name, its
 * Twilio status, and whether a user command would be refused (and why) —
 * decided by the machine's own transitions, so the HTTP layer's 409 and the
 * machine's `refused` event never disagree.
 */
import type { StateValue } from "xstate";
import { liveStatusForState, type CallStatus } from "./call-outcome.ts";
import { refusalReason } from "./call-refusal.ts";
import type { CallUserCommand } from "./call-types.ts";
import type { CallSnapshot } from "./call.ts";

/** "in_progress.playing" for { in_progress: "playing" }. */
export function stateName(value: StateValue): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value)[0] ?? ["unknown", undefined];
  return child === undefined ? key : `${key}.${stateName(child as StateValue)}`;
}

/** The dotted state name of a snapshot, e.g. "in_progress.collecting_digits". */
export function callStateName(snapshot: CallSnapshot): string {
  return stateName(snapshot.value);
}

/** Twilio status of a snapshot: live status from the state, final status once ended. */
export function callStatus(snapshot: CallSnapshot): CallStatus {
  if (snapshot.status !== "active") return snapshot.context.status;
  return liveStatusForState(callStateName(snapshot), snapshot.context.liveStatus) ?? snapshot.context.status;
}

function isRefusalAction(action: unknown): boolean {
  return action === "emitRefused" || (typeof action === "object" && action !== null && (action as { type?: unknown }).type === "emitRefused");
}

/**
 * Why the call would refuse this user command, or null when it would take it.
 * The HTTP layer calls this before sending, to answer 409 with the same reason
 * the machine would emit. Decided by the machine's own transitions: a command
 * is refused when no transition takes it (`snapshot.can` is false) or when the
 * one that would be taken is the refusal.
 */
export function refusal(snapshot: CallSnapshot, event: CallUserCommand): string | null {
  if (snapshot.status !== "active") return refusalReason("ended", snapshot.context, event.type, event);
  const state = callStateName(snapshot);
  if (snapshot.can(event)) {
    const transitions = snapshot.machine.getTransitionData(snapshot, event);
    const refused = transitions.every((t) => t.target === undefined && t.actions.some(isRefusalAction));
    if (!refused) return null;
  }
  return refusalReason(state, snapshot.context, event.type, event);
}
