/**
 * Placing and ending the call: the originate, and every hangup we ask for —
 * from the API, a script step, a timer — with the cause it is asked with.
 */
import { callAssign, callEmit, callEnqueue, withParams } from "./call-action-kit.ts";
import { hangupCommand, originateCommand } from "./call-commands.ts";
import { isKnownHangupCause } from "./call-outcome.ts";
import { nowOf } from "./call-timers.ts";
import type { CallContext } from "./call-types.ts";

/** Why we hang up: an API (or script) request, or one of our two limits. */
export type HangupReason = "api" | "ring_timeout" | "time_limit";

/** The cause for a hangup we ask for; `reasonText` from the API or a script step may name one. */
export function requestedCause(context: CallContext, reason: HangupReason, reasonText: string | undefined): string {
  if (reason === "ring_timeout") return "NO_ANSWER";
  if (reason === "time_limit") return "ALLOTTED_TIMEOUT";
  if (reasonText !== undefined) {
    const asCause = reasonText.trim().toUpperCase();
    if (isKnownHangupCause(asCause)) return asCause;
  }
  if (context.answeredAt !== null) return "NORMAL_CLEARING";
  return context.direction === "inbound" ? "CALL_REJECTED" : "ORIGINATOR_CANCEL";
}

const emitOriginate = callEnqueue(({ context, enqueue }) => {
  // dry run: journal and answer as if placed, but never dial.
  if (!context.dryRun) enqueue.emit({ type: "command", command: originateCommand(context) });
});

/** Nothing was dialed yet: the call ends at once, cancelled by the API, with no command. */
const cancelQueued = callAssign(({ context, event }) => ({
  hangupBy: "api" as const,
  hangupAt: nowOf(event, context),
  hangupReason: event.type === "hangup" ? (event.reason ?? null) : null,
}));

const requestHangup = withParams<{ reason: HangupReason }>().enqueue(({ context, event, enqueue }, params: { reason: HangupReason }) => {
  const reasonText = event.type === "hangup" ? event.reason : undefined;
  const cause = requestedCause(context, params.reason, reasonText);
  enqueue.assign({
    requestedCause: cause,
    hangupBy: context.hangupBy ?? params.reason,
    hangupReason: reasonText ?? null,
  });
  enqueue.emit({ type: "command", command: hangupCommand(context, cause) });
});

/** Ask again: a channel appeared after our hangup, or the link came back. */
const reissueHangup = callEmit(({ context }) => ({
  type: "command" as const,
  command: hangupCommand(context, context.requestedCause ?? "NORMAL_CLEARING"),
}));

export const hangupActions = { emitOriginate, cancelQueued, requestHangup, reissueHangup };
