/**
 * The call's clock: when an event happened (the machine reads no clock of its
 * own), and its four timers — ring, time limit, hangup confirm, hangup
 * complete. Each timer is an XState delay raised with an id, and its deadline
 * is kept in context: a persisted snapshot does not carry scheduled events, so
 * a restored actor re-arms them from the deadlines on `resume`.
 */
import { withParams } from "./call-action-kit.ts";
import type { CallContext, CallEvent, TimerName } from "./call-types.ts";

/** How long after originate_timeout the machine's own ring safety net fires. */
export const RING_GRACE_SEC = 10;
/** How long we wait for CHANNEL_HANGUP after asking the switch to hang up. */
export const HANGUP_CONFIRM_MS = 10_000;
/** How long we wait for CHANNEL_HANGUP_COMPLETE (the billing data) after CHANNEL_HANGUP. */
export const HANGUP_COMPLETE_GRACE_MS = 3_000;

const TIMER_EVENT: Record<TimerName, "timer.ring_timeout" | "timer.time_limit" | "timer.hangup_confirm" | "timer.hangup_complete"> = {
  ring: "timer.ring_timeout",
  timeLimit: "timer.time_limit",
  hangupConfirm: "timer.hangup_confirm",
  hangupComplete: "timer.hangup_complete",
};

function timerLengthMs(context: CallContext, timer: TimerName): number {
  switch (timer) {
    case "ring":
      return (context.timeoutSec + RING_GRACE_SEC) * 1000;
    case "timeLimit":
      return context.timeLimitSec * 1000;
    case "hangupConfirm":
      return HANGUP_CONFIRM_MS;
    case "hangupComplete":
      return HANGUP_COMPLETE_GRACE_MS;
  }
}

/**
 * When an event happened: the switch's Event-Date-Timestamp for channel events,
 * else the runtime's `at`; null for the machine's own timer and init events.
 */
export function eventTime(event: CallEvent): number | null {
  if ("switchTimeMs" in event && typeof event.switchTimeMs === "number" && event.switchTimeMs > 0) {
    return event.switchTimeMs;
  }
  if ("at" in event && typeof event.at === "number") return event.at;
  return null;
}

export function nowOf(event: CallEvent, context: CallContext): number {
  return eventTime(event) ?? context.createdAt;
}

/** Remaining delay of a timer; an untimed event (a timer re-arming itself) gets the full length. */
function remainingMs(context: CallContext, event: CallEvent, timer: TimerName): number {
  const deadline = context.deadlines[timer];
  if (deadline === null) return timerLengthMs(context, timer);
  const now = eventTime(event) ?? deadline - timerLengthMs(context, timer);
  return Math.max(0, deadline - now);
}

/** The machine's named delays: each is what remains of its timer's deadline. */
export const callDelays = {
  ring: ({ context, event }: { context: CallContext; event: CallEvent }) => remainingMs(context, event, "ring"),
  timeLimit: ({ context, event }: { context: CallContext; event: CallEvent }) => remainingMs(context, event, "timeLimit"),
  hangupConfirm: ({ context, event }: { context: CallContext; event: CallEvent }) => remainingMs(context, event, "hangupConfirm"),
  hangupComplete: ({ context, event }: { context: CallContext; event: CallEvent }) => remainingMs(context, event, "hangupComplete"),
} satisfies Record<TimerName, unknown>;

const setDeadline = withParams<{ timer: TimerName }>().assign(({ context, event }, params: { timer: TimerName }) => {
  const now = eventTime(event) ?? context.deadlines[params.timer] ?? context.createdAt;
  return { deadlines: { ...context.deadlines, [params.timer]: now + timerLengthMs(context, params.timer) } };
});

const armTimer = withParams<{ timer: TimerName }>().enqueue(({ enqueue }, params: { timer: TimerName }) => {
  // Re-arming must cancel first: scheduling the same id twice leaves both timeouts running.
  enqueue.cancel(params.timer);
  enqueue.raise({ type: TIMER_EVENT[params.timer] }, { id: params.timer, delay: params.timer });
});

const cancelTimer = withParams<{ timer: TimerName }>().enqueue(({ enqueue }, params: { timer: TimerName }) => {
  enqueue.cancel(params.timer);
});

export const timerActions = { setDeadline, armTimer, cancelTimer };
