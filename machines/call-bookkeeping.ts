/**
 * Outcome and CDR bookkeeping: the actions that record how far the call got
 * (initiated, ringing, early media, answered), how it ended (cause, Q.850,
 * who hung up, the switch's billing times) and, on entering `ended`, its
 * final status. They only assign; no command is emitted here.
 */
import { callAssign } from "./call-action-kit.ts";
import { NO_DEADLINES } from "./call-context.ts";
import { callOutcome, isSwitchSideCause, q850For, type CallStatus, type CancelledBy, type HangupBy } from "./call-outcome.ts";
import { nowOf } from "./call-timers.ts";
import type { CallContext } from "./call-types.ts";

function hangupByFarEnd(context: CallContext, cause: string): HangupBy {
  if (isSwitchSideCause(cause)) return "switch";
  return context.direction === "inbound" ? "caller" : "callee";
}

function cancelledBy(context: CallContext): CancelledBy {
  if (context.answeredAt !== null) return null;
  if (context.hangupBy === "api") return "api";
  if (context.direction === "inbound" && context.hangupBy === "caller") return "caller";
  return null;
}

// ── channel progress ──

const assignInitiated = callAssign(({ context, event }) => ({
  initiatedAt: context.initiatedAt ?? nowOf(event, context),
  ...(context.status === "queued" ? { status: "initiated" as const, liveStatus: "initiated" as const } : {}),
}));

const markChannelSeen = callAssign({ channelSeen: true });

const assignInboundRinging = callAssign(({ context }) => ({
  status: "ringing" as const,
  liveStatus: "ringing" as const,
  ringingAt: context.createdAt,
}));

const assignRinging = callAssign(({ context, event }) => ({
  channelSeen: true,
  ringingAt: context.ringingAt ?? nowOf(event, context),
  status: "ringing" as const,
  liveStatus: "ringing" as const,
}));

const assignEarlyMedia = callAssign(({ context, event }) => ({
  channelSeen: true,
  ringingAt: context.ringingAt ?? nowOf(event, context),
  earlyMediaAt: context.earlyMediaAt ?? nowOf(event, context),
  status: "ringing" as const,
  liveStatus: "ringing" as const,
}));

const assignAnswered = callAssign(({ context, event }) => ({
  channelSeen: true,
  ringingAt: context.ringingAt ?? (context.direction === "outbound" ? context.initiatedAt : context.createdAt),
  answeredAt: context.answeredAt ?? nowOf(event, context),
  status: "in-progress" as const,
  liveStatus: "in-progress" as const,
  pending: context.pending?.application === "answer" ? null : context.pending,
}));

/** The far end answered while our cancel was in flight: the call was answered after all. */
const assignLateAnswer = callAssign(({ context, event }) => ({
  channelSeen: true,
  answeredAt: context.answeredAt ?? nowOf(event, context),
}));

// ── ending ──

const assignHangup = callAssign(({ context, event }) => {
  if (event.type !== "channel.hangup" && event.type !== "channel.hangup_complete") return {};
  return {
    channelSeen: true,
    hangupCause: context.hangupCause ?? event.hangupCause,
    q850: context.q850 ?? event.q850,
    hangupAt: context.hangupAt ?? nowOf(event, context),
    hangupBy: context.hangupBy ?? hangupByFarEnd(context, event.hangupCause),
  };
});

/** CHANNEL_HANGUP_COMPLETE carries the CDR times: duration, billsec, progresssec, answersec. */
const assignHangupComplete = callAssign(({ context, event }) => {
  if (event.type !== "channel.hangup_complete") return {};
  return {
    billing: {
      durationSec: event.durationSec,
      billSec: event.billSec,
      progressSec: event.progressSec,
      answerSec: event.answerSec,
    },
    // answer_epoch is 0 when the channel was never answered.
    answeredAt: context.answeredAt ?? (event.answerEpoch > 0 ? event.answerEpoch * 1000 : null),
    endedAt: context.endedAt ?? (event.endEpoch > 0 ? event.endEpoch * 1000 : nowOf(event, context)),
  };
});

/** The bgapi originate's -ERR <CAUSE>: error/<cause> endpoints fail with no channel event at all. */
const assignOriginateFailure = callAssign(({ context, event }) => {
  if (event.type !== "originate.result") return {};
  const cause = event.cause ?? null;
  return {
    hangupCause: context.hangupCause ?? cause,
    q850: context.q850 ?? (cause !== null ? q850For(cause) : null),
    hangupAt: context.hangupAt ?? nowOf(event, context),
    hangupBy: context.hangupBy ?? "switch",
  };
});

const assignOriginateNotSent = callAssign(({ context, event }) => ({
  hangupBy: context.hangupBy ?? ("system" as const),
  hangupAt: context.hangupAt ?? nowOf(event, context),
  error: event.type === "command.failed" ? `originate: ${event.error}` : context.error,
}));

const assignCommandFailure = callAssign(({ context, event }) => ({
  error: event.type === "command.failed" ? `${event.command}: ${event.error}` : context.error,
}));

/** Resync found the channel gone: it ended while we could not hear the switch. */
const assignVanished = callAssign(({ context, event }) => {
  const cause = context.hangupCause ?? (event.type === "channel.vanished" ? event.cause : undefined) ?? "NORMAL_CLEARING";
  return {
    hangupCause: cause,
    q850: context.q850 ?? q850For(cause),
    hangupAt: context.hangupAt ?? nowOf(event, context),
    hangupBy: context.hangupBy ?? ("switch" as const),
  };
});

/** Entering `ended`: the final status (call-outcome.ts), ring and talk seconds, nothing pending. */
const settleOutcome = callAssign(({ context, event }) => {
  const hangupCause = context.hangupCause ?? context.requestedCause;
  const answered = context.answeredAt !== null;
  const endedAt = context.endedAt ?? context.hangupAt ?? nowOf(event, context);
  const ringFrom = context.ringingAt ?? context.initiatedAt;
  const ringSec =
    context.billing !== null
      ? answered
        ? context.billing.answerSec
        : context.billing.durationSec
      : ringFrom !== null
        ? Math.max(0, Math.round(((context.answeredAt ?? endedAt) - ringFrom) / 1000))
        : 0;
  const talkSec =
    context.billing !== null
      ? context.billing.billSec
      : answered
        ? Math.max(0, Math.round((endedAt - (context.answeredAt ?? endedAt)) / 1000))
        : 0;
  const status: CallStatus = callOutcome({ hangupCause, answered, cancelledBy: cancelledBy(context) });
  return {
    status,
    hangupCause,
    q850: context.q850 ?? (hangupCause !== null ? q850For(hangupCause) : null),
    endedAt,
    ringSec,
    talkSec,
    activity: "none" as const,
    pending: null,
    // The module's media bug goes with the channel.
    audioStream: null,
    deadlines: { ...NO_DEADLINES },
  };
});

// ── link ──

const assignLinkDown = callAssign({ linkUp: false });
const assignLinkUp = callAssign({ linkUp: true });

export const bookkeepingActions = {
  assignInitiated,
  markChannelSeen,
  assignInboundRinging,
  assignRinging,
  assignEarlyMedia,
  assignAnswered,
  assignLateAnswer,
  assignHangup,
  assignHangupComplete,
  assignOriginateFailure,
  assignOriginateNotSent,
  assignCommandFailure,
  assignVanished,
  settleOutcome,
  assignLinkDown,
  assignLinkUp,
};
