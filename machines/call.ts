/**
 * The call machine: one actor per FreeSWITCH channel.
 *
 * Pure XState v5: it takes typed channel events, runtime notices and user
 * commands, and emits SwitchCommands (`{ type: "command", command }`), refusals
 * (`{ type: "refused", … }`) and gather results (`{ type: "gathered", … }`).
 * It does no I/O and reads no clock: times come from each event's `at` (or the
 * switch's Event-Date-Timestamp on channel events) and timers are XState delays.
 *
 * States: queued → initiating → ringing → early_media → in_progress.{idle,
 * playing, speaking, collecting_digits, bridged, transferred} → hanging_up →
 * ending → ended. Inbound calls start in ringing.
 *
 * Design decisions (the runtime and HTTP layer rely on these):
 * - One `hangup` command covers cancel and hang up: before answer it cancels an
 *   outbound call (ORIGINATOR_CANCEL → status canceled; a queued call ends at
 *   once with no command) or rejects an inbound one (CALL_REJECTED); after
 *   answer it hangs up (NORMAL_CLEARING). A `reason` that is a FreeSWITCH cause
 *   name is used as the cause.
 * - say/play while already playing or speaking interrupts: `break` first, then
 *   the new application. say/play/gather while collecting digits, bridged or
 *   transferred are refused.
 * - An activity ends on CHANNEL_EXECUTE_COMPLETE carrying our Application-UUID;
 *   completions of interrupted applications are ignored.
 * - Timers are raised with ids and their deadlines kept in context: a persisted
 *   snapshot does not carry XState's scheduled events, so the runtime sends
 *   `resume` to a restored actor to re-arm them.
 * - dryRun: the machine never emits originate; the runtime drives the call with
 *   synthetic events (originate.sent, channel.answer, …) and does not execute
 *   the commands of a dry-run call.
 * - Channel events are assumed routed by Unique-ID: the machine does not check
 *   the uuid.
 */
import { assign, emit, enqueueActions, setup, type SnapshotFrom, type StateValue } from "xstate";
import {
  answerCommand,
  breakCommand,
  bridgeCommand,
  gatherCommand,
  GATHER_VARIABLE,
  hangupCommand,
  originateCommand,
  playbackCommand,
  sendDtmfCommand,
  speakCommand,
  transferCommand,
} from "./call-commands.ts";
import {
  callOutcome,
  isKnownHangupCause,
  isSwitchSideCause,
  liveStatusForState,
  q850For,
  type CallStatus,
  type CancelledBy,
  type HangupBy,
} from "./call-outcome.ts";
import { refusalReason } from "./call-refusal.ts";
import type {
  CallAction,
  CallContext,
  CallDeadlines,
  CallEmitted,
  CallEvent,
  CallInput,
  CallUserCommand,
  CallUserCommandType,
  PendingApplication,
} from "./call-types.ts";

export * from "./call-types.ts";
export { callOutcome, liveStatusForState, type CallStatus, type FinalCallStatus, type HangupBy } from "./call-outcome.ts";

export const DEFAULT_RING_TIMEOUT_SEC = 60;
/** Twilio's default time limit (4 h). */
export const DEFAULT_TIME_LIMIT_SEC = 14_400;
/** How long after originate_timeout the machine's own ring safety net fires. */
export const RING_GRACE_SEC = 10;
/** How long we wait for CHANNEL_HANGUP after asking the switch to hang up. */
export const HANGUP_CONFIRM_MS = 10_000;
/** How long we wait for CHANNEL_HANGUP_COMPLETE (the billing data) after CHANNEL_HANGUP. */
export const HANGUP_COMPLETE_GRACE_MS = 3_000;
export const DEFAULT_TTS_ENGINE = "flite";
export const DEFAULT_TTS_VOICE = "kal";
/** The DTMF log keeps the most recent digits only. */
export const MAX_DTMF_LOG = 256;

type TimerName = keyof CallDeadlines;
type HangupReason = "api" | "ring_timeout" | "time_limit";

/** Application-Response values with which mod_dptools' playback reports a file it could not play. */
const PLAYBACK_FAILURES = new Set(["FILE NOT FOUND", "PLAYBACK ERROR"]);

/** A play_and_get_digits completion that carries the channel's variables but no read_result. */
function promptFailed(variables: Record<string, string>): boolean {
  for (const _ in variables) return variables["read_result"] === undefined;
  return false;
}

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
function eventTime(event: CallEvent): number | null {
  if ("switchTimeMs" in event && typeof event.switchTimeMs === "number" && event.switchTimeMs > 0) {
    return event.switchTimeMs;
  }
  if ("at" in event && typeof event.at === "number") return event.at;
  return null;
}

function nowOf(event: CallEvent, context: CallContext): number {
  return eventTime(event) ?? context.createdAt;
}

/** Remaining delay of a timer; an untimed event (a timer re-arming itself) gets the full length. */
function remainingMs(context: CallContext, event: CallEvent, timer: TimerName): number {
  const deadline = context.deadlines[timer];
  if (deadline === null) return timerLengthMs(context, timer);
  const now = eventTime(event) ?? deadline - timerLengthMs(context, timer);
  return Math.max(0, deadline - now);
}

/** "in_progress.playing" for { in_progress: "playing" }. */
export function stateName(value: StateValue): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value)[0] ?? ["unknown", undefined];
  return child === undefined ? key : `${key}.${stateName(child as StateValue)}`;
}

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

function stepApplicationUuid(context: CallContext, step: CallAction, index: number): string {
  return "applicationUuid" in step && step.applicationUuid !== undefined
    ? step.applicationUuid
    : `${context.callId}:step:${index}`;
}

function pending(application: PendingApplication["application"], applicationUuid: string, since: number): PendingApplication {
  return { application, applicationUuid, since };
}

/** The cause for a hangup we ask for; `reasonText` from the API or a script step may name one. */
function requestedCause(context: CallContext, reason: HangupReason, reasonText: string | undefined): string {
  if (reason === "ring_timeout") return "NO_ANSWER";
  if (reason === "time_limit") return "ALLOTTED_TIMEOUT";
  if (reasonText !== undefined) {
    const asCause = reasonText.trim().toUpperCase();
    if (isKnownHangupCause(asCause)) return asCause;
  }
  if (context.answeredAt !== null) return "NORMAL_CLEARING";
  return context.direction === "inbound" ? "CALL_REJECTED" : "ORIGINATOR_CANCEL";
}

function initialContext(input: CallInput): CallContext {
  const script = input.script ?? (input.firstAction !== undefined ? [input.firstAction] : []);
  return {
    callId: input.callId,
    direction: input.direction,
    from: input.from,
    to: input.to,
    callerIdName: input.callerIdName ?? null,
    dialString: input.dialString ?? null,
    timeoutSec: input.timeoutSec ?? DEFAULT_RING_TIMEOUT_SEC,
    timeLimitSec: input.timeLimitSec ?? DEFAULT_TIME_LIMIT_SEC,
    variables: { ...(input.variables ?? {}) },
    tts: { engine: input.tts?.engine ?? DEFAULT_TTS_ENGINE, voice: input.tts?.voice ?? DEFAULT_TTS_VOICE },
    dryRun: input.dryRun ?? false,
    status: "queued",
    liveStatus: "queued",
    createdAt: input.createdAt,
    initiatedAt: null,
    ringingAt: null,
    earlyMediaAt: null,
    answeredAt: null,
    hangupAt: null,
    endedAt: null,
    ringSec: null,
    talkSec: null,
    billing: null,
    hangupCause: null,
    q850: null,
    hangupBy: null,
    hangupReason: null,
    requestedCause: null,
    activity: "none",
    pending: null,
    gather: null,
    dtmf: [],
    bridgedTo: null,
    lastPlayback: null,
    error: null,
    channelSeen: input.direction === "inbound",
    answerRequested: false,
    linkUp: true,
    script: [...script],
    scriptIndex: 0,
    deadlines: { ring: null, timeLimit: null, hangupConfirm: null, hangupComplete: null },
  };
}

export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
    emitted: {} as CallEmitted,
    output: {} as CallContext,
  },
  delays: {
    ring: ({ context, event }) => remainingMs(context, event, "ring"),
    timeLimit: ({ context, event }) => remainingMs(context, event, "timeLimit"),
    hangupConfirm: ({ context, event }) => remainingMs(context, event, "hangupConfirm"),
    hangupComplete: ({ context, event }) => remainingMs(context, event, "hangupComplete"),
  },
  guards: {
    isInbound: ({ context }) => context.direction === "inbound",
    channelSeen: ({ context }) => context.channelSeen,
    linkIsUp: ({ context }) => context.linkUp,
    /**
     * The channel is gone and nothing said why. A leg the endpoint refuses before it
     * exists (sofia: "Gateway 'carrier' is down!") fires only CHANNEL_DESTROY, then the
     * BACKGROUND_JOB with "-ERR GATEWAY_DOWN": the cause is still on its way.
     */
    endUnexplained: ({ context }) => context.hangupCause === null,
    canAnswer: ({ context }) => context.direction === "inbound" && !context.answerRequested,
    originateFailedWithChannel: ({ context, event }) =>
      event.type === "originate.result" && !event.ok && context.channelSeen,
    originateFailedWithoutChannel: ({ context, event }) =>
      event.type === "originate.result" && !event.ok && !context.channelSeen,
    originateNotSent: ({ event }) => event.type === "command.failed" && event.command === "originate",
    /** CHANNEL_EXECUTE_COMPLETE for the application we are waiting on (Application-UUID = our Event-UUID). */
    completesPending: ({ context, event }) =>
      event.type === "channel.execute_complete" &&
      context.pending !== null &&
      event.applicationUuid === context.pending.applicationUuid,
    /** The runtime could not send the command that started the current activity. */
    pendingCommandFailed: ({ context, event }) =>
      event.type === "command.failed" && context.pending !== null && event.command === context.pending.application,
    nextStepIs: ({ context }, params: { type: CallAction["type"] }) =>
      context.scriptIndex < context.script.length && context.script[context.scriptIndex]?.type === params.type,
  },
  actions: {
    // ── outbound dialing ──
    emitOriginate: enqueueActions(({ context, enqueue }) => {
      // dry run: journal and answer as if placed, but never dial.
      if (!context.dryRun) enqueue.emit({ type: "command", command: originateCommand(context) });
    }),
    assignInitiated: assign(({ context, event }) => ({
      initiatedAt: context.initiatedAt ?? nowOf(event, context),
      ...(context.status === "queued" ? { status: "initiated" as const, liveStatus: "initiated" as const } : {}),
    })),

    // ── timers ──
    setDeadline: assign(({ context, event }, params: { timer: TimerName }) => {
      const now = eventTime(event) ?? context.deadlines[params.timer] ?? context.createdAt;
      return { deadlines: { ...context.deadlines, [params.timer]: now + timerLengthMs(context, params.timer) } };
    }),
    armTimer: enqueueActions(({ enqueue }, params: { timer: TimerName }) => {
      // Re-arming must cancel first: scheduling the same id twice leaves both timeouts running.
      enqueue.cancel(params.timer);
      enqueue.raise({ type: TIMER_EVENT[params.timer] }, { id: params.timer, delay: params.timer });
    }),
    cancelTimer: enqueueActions(({ enqueue }, params: { timer: TimerName }) => {
      enqueue.cancel(params.timer);
    }),

    // ── channel progress ──
    markChannelSeen: assign({ channelSeen: true }),
    assignInboundRinging: assign(({ context }) => ({
      status: "ringing" as const,
      liveStatus: "ringing" as const,
      ringingAt: context.createdAt,
    })),
    assignRinging: assign(({ context, event }) => ({
      channelSeen: true,
      ringingAt: context.ringingAt ?? nowOf(event, context),
      status: "ringing" as const,
      liveStatus: "ringing" as const,
    })),
    assignEarlyMedia: assign(({ context, event }) => ({
      channelSeen: true,
      ringingAt: context.ringingAt ?? nowOf(event, context),
      earlyMediaAt: context.earlyMediaAt ?? nowOf(event, context),
      status: "ringing" as const,
      liveStatus: "ringing" as const,
    })),
    assignAnswered: assign(({ context, event }) => ({
      channelSeen: true,
      ringingAt: context.ringingAt ?? (context.direction === "outbound" ? context.initiatedAt : context.createdAt),
      answeredAt: context.answeredAt ?? nowOf(event, context),
      status: "in-progress" as const,
      liveStatus: "in-progress" as const,
      pending: context.pending?.application === "answer" ? null : context.pending,
    })),
    /** The far end answered while our cancel was in flight: the call was answered after all. */
    assignLateAnswer: assign(({ context, event }) => ({
      channelSeen: true,
      answeredAt: context.answeredAt ?? nowOf(event, context),
    })),

    // ── ending ──
    assignHangup: assign(({ context, event }) => {
      if (event.type !== "channel.hangup" && event.type !== "channel.hangup_complete") return {};
      return {
        channelSeen: true,
        hangupCause: context.hangupCause ?? event.hangupCause,
        q850: context.q850 ?? event.q850,
        hangupAt: context.hangupAt ?? nowOf(event, context),
        hangupBy: context.hangupBy ?? hangupByFarEnd(context, event.hangupCause),
      };
    }),
    /** CHANNEL_HANGUP_COMPLETE carries the CDR times: duration, billsec, progresssec, answersec. */
    assignHangupComplete: assign(({ context, event }) => {
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
    }),
    /** The bgapi originate's -ERR <CAUSE>: error/<cause> endpoints fail with no channel event at all. */
    assignOriginateFailure: assign(({ context, event }) => {
      if (event.type !== "originate.result") return {};
      const cause = event.cause ?? null;
      return {
        hangupCause: context.hangupCause ?? cause,
        q850: context.q850 ?? (cause !== null ? q850For(cause) : null),
        hangupAt: context.hangupAt ?? nowOf(event, context),
        hangupBy: context.hangupBy ?? "switch",
      };
    }),
    assignOriginateNotSent: assign(({ context, event }) => ({
      hangupBy: context.hangupBy ?? ("system" as const),
      hangupAt: context.hangupAt ?? nowOf(event, context),
      error: event.type === "command.failed" ? `originate: ${event.error}` : context.error,
    })),
    assignCommandFailure: assign(({ context, event }) => ({
      error: event.type === "command.failed" ? `${event.command}: ${event.error}` : context.error,
    })),
    /** Resync found the channel gone: it ended while we could not hear the switch. */
    assignVanished: assign(({ context, event }) => {
      const cause = context.hangupCause ?? (event.type === "channel.vanished" ? event.cause : undefined) ?? "NORMAL_CLEARING";
      return {
        hangupCause: cause,
        q850: context.q850 ?? q850For(cause),
        hangupAt: context.hangupAt ?? nowOf(event, context),
        hangupBy: context.hangupBy ?? ("switch" as const),
      };
    }),
    cancelQueued: assign(({ context, event }) => ({
      hangupBy: "api" as const,
      hangupAt: nowOf(event, context),
      hangupReason: event.type === "hangup" ? (event.reason ?? null) : null,
    })),
    requestHangup: enqueueActions(({ context, event, enqueue }, params: { reason: HangupReason }) => {
      const reasonText = event.type === "hangup" ? event.reason : undefined;
      const cause = requestedCause(context, params.reason, reasonText);
      enqueue.assign({
        requestedCause: cause,
        hangupBy: context.hangupBy ?? params.reason,
        hangupReason: reasonText ?? null,
      });
      enqueue.emit({ type: "command", command: hangupCommand(context, cause) });
    }),
    /** Ask again: a channel appeared after our hangup, or the link came back. */
    reissueHangup: emit(({ context }) => ({
      type: "command" as const,
      command: hangupCommand(context, context.requestedCause ?? "NORMAL_CLEARING"),
    })),
    settleOutcome: assign(({ context, event }) => {
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
        deadlines: { ring: null, timeLimit: null, hangupConfirm: null, hangupComplete: null },
      };
    }),

    // ── link ──
    assignLinkDown: assign({ linkUp: false }),
    assignLinkUp: assign({ linkUp: true }),

    // ── user commands ──
    emitRefused: emit(({ context, event, self }) => {
      const state = stateName(self.getSnapshot().value);
      const command = event.type as CallUserCommandType;
      return { type: "refused" as const, command, reason: refusalReason(state, context, command), state };
    }),
    answerCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "answer") return;
      enqueue.assign({
        answerRequested: true,
        pending: pending("answer", event.applicationUuid, nowOf(event, context)),
      });
      enqueue.emit({ type: "command", command: answerCommand(context, event.applicationUuid) });
    }),
    /** An inbound call with a script answers itself. */
    answerForScript: enqueueActions(({ context, enqueue }) => {
      if (context.direction !== "inbound" || context.script.length === 0) return;
      const applicationUuid = `${context.callId}:answer`;
      enqueue.assign({ answerRequested: true, pending: pending("answer", applicationUuid, context.createdAt) });
      enqueue.emit({ type: "command", command: answerCommand(context, applicationUuid) });
    }),
    /** Interrupt what is playing (uuid_break) before starting something else. */
    breakIfBusy: enqueueActions(({ context, enqueue }) => {
      const app = context.pending?.application;
      if (app === "playback" || app === "speak" || app === "play_and_get_digits") {
        enqueue.emit({ type: "command", command: breakCommand(context) });
      }
    }),
    startSpeak: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "say") return;
      enqueue.assign({ pending: pending("speak", event.applicationUuid, nowOf(event, context)) });
      enqueue.emit({
        type: "command",
        command: speakCommand(context, event.text, event.voice, event.applicationUuid),
      });
    }),
    startPlay: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "play") return;
      enqueue.assign({ pending: pending("playback", event.applicationUuid, nowOf(event, context)) });
      enqueue.emit({
        type: "command",
        command: playbackCommand(context, event.url, event.loop, event.applicationUuid),
      });
    }),
    startGather: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "gather") return;
      enqueue.assign({
        pending: pending("play_and_get_digits", event.applicationUuid, nowOf(event, context)),
        gather: { applicationUuid: event.applicationUuid, buffer: "", digits: null, terminator: null },
      });
      enqueue.emit({ type: "command", command: gatherCommand(context, event, event.applicationUuid) });
    }),
    startBridge: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "bridge") return;
      enqueue.assign({
        pending: pending("bridge", event.applicationUuid, nowOf(event, context)),
        bridgedTo: null,
      });
      enqueue.emit({
        type: "command",
        command: bridgeCommand(context, event.dialString, event.applicationUuid),
      });
    }),
    startTransfer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "transfer") return;
      // uuid_transfer takes the channel out of park: whatever we were running is gone.
      enqueue.assign({ pending: null });
      enqueue.emit({ type: "command", command: transferCommand(context, event.extension, event.context) });
    }),
    sendDtmf: emit(({ context, event }) => ({
      type: "command" as const,
      command: sendDtmfCommand(context, event.type === "send_dtmf" ? event.digits : ""),
    })),

    // ── script steps (outbound firstAction, inbound script) ──
    runScriptSay: enqueueActions(({ context, enqueue }) => {
      const step = context.script[context.scriptIndex];
      if (step?.type !== "say") return;
      const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
      enqueue.assign({
        scriptIndex: context.scriptIndex + 1,
        pending: pending("speak", applicationUuid, context.answeredAt ?? context.createdAt),
      });
      enqueue.emit({ type: "command", command: speakCommand(context, step.text, step.voice, applicationUuid) });
    }),
    runScriptPlay: enqueueActions(({ context, enqueue }) => {
      const step = context.script[context.scriptIndex];
      if (step?.type !== "play") return;
      const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
      enqueue.assign({
        scriptIndex: context.scriptIndex + 1,
        pending: pending("playback", applicationUuid, context.answeredAt ?? context.createdAt),
      });
      enqueue.emit({ type: "command", command: playbackCommand(context, step.url, step.loop, applicationUuid) });
    }),
    runScriptGather: enqueueActions(({ context, enqueue }) => {
      const step = context.script[context.scriptIndex];
      if (step?.type !== "gather") return;
      const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
      enqueue.assign({
        scriptIndex: context.scriptIndex + 1,
        pending: pending("play_and_get_digits", applicationUuid, context.answeredAt ?? context.createdAt),
        gather: { applicationUuid, buffer: "", digits: null, terminator: null },
      });
      enqueue.emit({ type: "command", command: gatherCommand(context, step, applicationUuid) });
    }),
    runScriptHangup: enqueueActions(({ context, enqueue }) => {
      const step = context.script[context.scriptIndex];
      if (step?.type !== "hangup") return;
      const cause = requestedCause(context, "api", step.reason);
      enqueue.assign({
        scriptIndex: context.scriptIndex + 1,
        requestedCause: cause,
        hangupBy: context.hangupBy ?? "api",
        hangupReason: step.reason ?? null,
      });
      enqueue.emit({ type: "command", command: hangupCommand(context, cause) });
    }),

    // ── what the call is doing ──
    setActivity: assign((_, params: { activity: CallContext["activity"] }) => ({ activity: params.activity })),
    leaveActivity: assign({ activity: "none" as const, pending: null }),
    clearPending: assign({ pending: null }),
    /** The pending application's CHANNEL_EXECUTE_COMPLETE: read a gather's result or a bridge's failure. */
    finishActivity: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "channel.execute_complete" || context.pending === null) return;
      const app = context.pending.application;
      if (app === "play_and_get_digits" && context.gather !== null) {
        // play_and_get_digits stores the digits in its variable; Application-Response is "_none_" when unset.
        const fromVariable = event.variables[GATHER_VARIABLE];
        const fromResponse = event.applicationResponse !== "_none_" ? event.applicationResponse : undefined;
        const terminator = event.variables["read_terminator_used"] || null;
        const digits = fromVariable ?? fromResponse ?? stripTerminators(context.gather.buffer, terminator);
        enqueue.assign({ gather: { ...context.gather, digits, terminator } });
        enqueue.emit({ type: "gathered", applicationUuid: context.gather.applicationUuid, digits, terminator });
      }
      if (app === "playback" && PLAYBACK_FAILURES.has(event.applicationResponse)) {
        // mod_dptools playback_function: "FILE NOT FOUND" or "PLAYBACK ERROR" in Application-Response.
        enqueue.assign({ error: `play: ${event.applicationResponse} (${event.applicationData})` });
      }
      if (app === "play_and_get_digits" && promptFailed(event.variables)) {
        // switch_ivr_read clears read_result, and sets it (success / timeout / failure) only once
        // its prompt has played: a prompt that cannot be opened (a missing file, tts:// without
        // mod_ssml) skips collection and leaves it unset.
        enqueue.assign({ error: "gather: the prompt could not be played (read_result unset)" });
      }
      if (app === "bridge" && context.bridgedTo === null) {
        // bridge returns without CHANNEL_BRIDGE when the b-leg failed; originate_disposition says why.
        const why = event.variables["originate_disposition"] ?? event.applicationResponse;
        enqueue.assign({ error: `bridge: ${why}` });
      }
      if (app === "bridge") enqueue.assign({ bridgedTo: null });
      enqueue.assign({ pending: null });
    }),
    recordPlayback: assign(({ event }) => {
      if (event.type === "playback.start") return { lastPlayback: { filePath: event.filePath, status: "playing" as const } };
      if (event.type === "playback.stop") return { lastPlayback: { filePath: event.filePath, status: event.status } };
      return {};
    }),
    recordDtmf: assign(({ context, event }) => {
      if (event.type !== "channel.dtmf") return {};
      const at = nowOf(event, context);
      const dtmf = [...context.dtmf, { digit: event.digit, at }].slice(-MAX_DTMF_LOG);
      const collecting = context.gather !== null && context.gather.digits === null && context.activity === "collecting_digits";
      return {
        dtmf,
        ...(collecting && context.gather !== null
          ? { gather: { ...context.gather, buffer: context.gather.buffer + event.digit } }
          : {}),
      };
    }),
    assignBridged: assign(({ event }) => ({
      bridgedTo: event.type === "channel.bridge" ? event.otherUuid : null,
    })),
    assignUnbridged: assign(({ context }) => ({
      bridgedTo: null,
      pending: context.pending?.application === "bridge" ? null : context.pending,
    })),
  },
}).createMachine({
  id: "call",
  context: ({ input }) => initialContext(input),
  initial: "start",
  output: ({ context }) => context,
  on: {
    // Gate: a command no state below takes is refused here, and the call does not change.
    say: { actions: "emitRefused" },
    play: { actions: "emitRefused" },
    send_dtmf: { actions: "emitRefused" },
    gather: { actions: "emitRefused" },
    transfer: { actions: "emitRefused" },
    bridge: { actions: "emitRefused" },
    hangup: { actions: "emitRefused" },
    answer: { actions: "emitRefused" },
    "link.down": { actions: "assignLinkDown" },
    "link.up": { actions: "assignLinkUp" },
    "channel.dtmf": { actions: "recordDtmf" },
    "command.failed": { actions: "assignCommandFailure" },
  },
  states: {
    start: {
      always: [
        {
          guard: "isInbound",
          target: "ringing",
          actions: [
            "assignInboundRinging",
            { type: "setDeadline", params: { timer: "ring" } },
            { type: "armTimer", params: { timer: "ring" } },
            "answerForScript",
          ],
        },
        { target: "queued" },
      ],
    },

    queued: {
      entry: "emitOriginate",
      on: {
        "originate.sent": {
          target: "initiating",
          actions: [
            "assignInitiated",
            { type: "setDeadline", params: { timer: "ring" } },
            { type: "armTimer", params: { timer: "ring" } },
          ],
        },
        // Nothing was dialed yet: cancel at once, no command.
        hangup: { target: "ended", actions: "cancelQueued" },
        // The switch may report the channel before the runtime's originate.sent arrives.
        "channel.create": { actions: "markChannelSeen" },
        "channel.outgoing": { actions: "markChannelSeen" },
        "channel.progress": { target: "ringing", actions: "assignRinging" },
        "channel.progress_media": { target: "early_media", actions: "assignEarlyMedia" },
        "channel.answer": {
          target: "in_progress",
          actions: ["assignAnswered", { type: "setDeadline", params: { timer: "timeLimit" } }, { type: "armTimer", params: { timer: "timeLimit" } }],
        },
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "originate.result": [
          { guard: "originateFailedWithChannel", target: "ending", actions: "assignOriginateFailure" },
          { guard: "originateFailedWithoutChannel", target: "ended", actions: "assignOriginateFailure" },
        ],
        "command.failed": [
          { guard: "originateNotSent", target: "ended", actions: "assignOriginateNotSent" },
          { actions: "assignCommandFailure" },
        ],
        "channel.vanished": { target: "ended", actions: "assignVanished" },
      },
    },

    initiating: {
      on: {
        "channel.create": { actions: "markChannelSeen" },
        "channel.outgoing": { actions: "markChannelSeen" },
        "channel.callstate": { actions: "markChannelSeen" },
        "channel.park": { actions: "markChannelSeen" },
        "channel.execute": { actions: "markChannelSeen" },
        "channel.progress": { target: "ringing", actions: "assignRinging" },
        "channel.progress_media": { target: "early_media", actions: "assignEarlyMedia" },
        "channel.answer": {
          target: "in_progress",
          actions: ["assignAnswered", { type: "setDeadline", params: { timer: "timeLimit" } }, { type: "armTimer", params: { timer: "timeLimit" } }],
        },
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": [{ guard: "endUnexplained", target: "ending" }, { target: "ended" }],
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        "originate.result": [
          { guard: "originateFailedWithChannel", target: "ending", actions: "assignOriginateFailure" },
          { guard: "originateFailedWithoutChannel", target: "ended", actions: "assignOriginateFailure" },
        ],
        "command.failed": [
          { guard: "originateNotSent", target: "ended", actions: "assignOriginateNotSent" },
          { actions: "assignCommandFailure" },
        ],
        "timer.ring_timeout": [
          { guard: "channelSeen", target: "hanging_up", actions: { type: "requestHangup", params: { reason: "ring_timeout" } } },
          // No channel event at all: the originate is lost somewhere; kill it anyway and end as no-answer.
          { target: "ended", actions: { type: "requestHangup", params: { reason: "ring_timeout" } } },
        ],
        hangup: { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "api" } } },
        resume: { actions: { type: "armTimer", params: { timer: "ring" } } },
      },
    },

    ringing: {
      on: {
        "originate.sent": { actions: ["assignInitiated", { type: "setDeadline", params: { timer: "ring" } }, { type: "armTimer", params: { timer: "ring" } }] },
        "channel.create": { actions: "markChannelSeen" },
        "channel.progress": { actions: "markChannelSeen" },
        "channel.progress_media": { target: "early_media", actions: "assignEarlyMedia" },
        "channel.answer": {
          target: "in_progress",
          actions: ["assignAnswered", { type: "setDeadline", params: { timer: "timeLimit" } }, { type: "armTimer", params: { timer: "timeLimit" } }],
        },
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": { target: "ended" },
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        "originate.result": [
          { guard: "originateFailedWithChannel", target: "ending", actions: "assignOriginateFailure" },
          { guard: "originateFailedWithoutChannel", target: "ended", actions: "assignOriginateFailure" },
        ],
        "timer.ring_timeout": [
          { guard: "channelSeen", target: "hanging_up", actions: { type: "requestHangup", params: { reason: "ring_timeout" } } },
          { target: "ended", actions: { type: "requestHangup", params: { reason: "ring_timeout" } } },
        ],
        answer: { guard: "canAnswer", actions: "answerCall" },
        hangup: { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "api" } } },
        resume: { actions: { type: "armTimer", params: { timer: "ring" } } },
      },
    },

    early_media: {
      on: {
        "originate.sent": { actions: ["assignInitiated", { type: "setDeadline", params: { timer: "ring" } }, { type: "armTimer", params: { timer: "ring" } }] },
        // A 180 after a 183 does not take the call back to plain ringing.
        "channel.progress": { actions: "markChannelSeen" },
        "channel.answer": {
          target: "in_progress",
          actions: ["assignAnswered", { type: "setDeadline", params: { timer: "timeLimit" } }, { type: "armTimer", params: { timer: "timeLimit" } }],
        },
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": { target: "ended" },
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        "originate.result": [
          { guard: "originateFailedWithChannel", target: "ending", actions: "assignOriginateFailure" },
          { guard: "originateFailedWithoutChannel", target: "ended", actions: "assignOriginateFailure" },
        ],
        "timer.ring_timeout": {
          target: "hanging_up",
          actions: { type: "requestHangup", params: { reason: "ring_timeout" } },
        },
        answer: { guard: "canAnswer", actions: "answerCall" },
        hangup: { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "api" } } },
        resume: { actions: { type: "armTimer", params: { timer: "ring" } } },
      },
    },

    in_progress: {
      initial: "idle",
      entry: { type: "cancelTimer", params: { timer: "ring" } },
      exit: ["leaveActivity", { type: "cancelTimer", params: { timer: "timeLimit" } }],
      on: {
        say: { target: ".speaking", actions: ["breakIfBusy", "startSpeak"] },
        play: { target: ".playing", actions: ["breakIfBusy", "startPlay"] },
        gather: { target: ".collecting_digits", actions: ["breakIfBusy", "startGather"] },
        bridge: { target: ".bridged", actions: ["breakIfBusy", "startBridge"] },
        transfer: { target: ".transferred", actions: "startTransfer" },
        send_dtmf: { actions: "sendDtmf" },
        hangup: { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "api" } } },
        "channel.execute_complete": { guard: "completesPending", target: ".idle", actions: "finishActivity" },
        "channel.bridge": { target: ".bridged", actions: "assignBridged" },
        "channel.unbridge": { target: ".idle", actions: "assignUnbridged" },
        "playback.start": { actions: "recordPlayback" },
        "playback.stop": { actions: "recordPlayback" },
        "command.failed": [
          { guard: "pendingCommandFailed", target: ".idle", actions: ["assignCommandFailure", "clearPending"] },
          { actions: "assignCommandFailure" },
        ],
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": { target: "ended" },
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        "timer.time_limit": { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "time_limit" } } },
        resume: { actions: { type: "armTimer", params: { timer: "timeLimit" } } },
      },
      states: {
        idle: {
          entry: { type: "setActivity", params: { activity: "idle" } },
          // Run the next script step (outbound firstAction, inbound script) whenever the call is idle.
          always: [
            { guard: { type: "nextStepIs", params: { type: "say" } }, target: "speaking", actions: "runScriptSay" },
            { guard: { type: "nextStepIs", params: { type: "play" } }, target: "playing", actions: "runScriptPlay" },
            { guard: { type: "nextStepIs", params: { type: "gather" } }, target: "collecting_digits", actions: "runScriptGather" },
            { guard: { type: "nextStepIs", params: { type: "hangup" } }, target: "#call.hanging_up", actions: "runScriptHangup" },
          ],
        },
        playing: { entry: { type: "setActivity", params: { activity: "playing" } } },
        speaking: { entry: { type: "setActivity", params: { activity: "speaking" } } },
        collecting_digits: {
          entry: { type: "setActivity", params: { activity: "collecting_digits" } },
          on: {
            say: { actions: "emitRefused" },
            play: { actions: "emitRefused" },
            gather: { actions: "emitRefused" },
          },
        },
        bridged: {
          entry: { type: "setActivity", params: { activity: "bridged" } },
          on: {
            say: { actions: "emitRefused" },
            play: { actions: "emitRefused" },
            gather: { actions: "emitRefused" },
            bridge: { actions: "emitRefused" },
          },
        },
        transferred: {
          entry: { type: "setActivity", params: { activity: "transferred" } },
          on: {
            say: { actions: "emitRefused" },
            play: { actions: "emitRefused" },
            gather: { actions: "emitRefused" },
            bridge: { actions: "emitRefused" },
            // CHANNEL_PARK: the dialplan parked the channel again, so it is ours to drive.
            "channel.park": { target: "idle" },
          },
        },
      },
    },

    hanging_up: {
      entry: [
        { type: "cancelTimer", params: { timer: "ring" } },
        { type: "setDeadline", params: { timer: "hangupConfirm" } },
        { type: "armTimer", params: { timer: "hangupConfirm" } },
      ],
      on: {
        "channel.hangup": { target: "ending", actions: "assignHangup" },
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": { target: "ended" },
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        // The channel appeared after we asked to hang up (our uuid_kill raced the originate).
        "channel.create": { actions: ["markChannelSeen", "reissueHangup"] },
        "channel.answer": { actions: "assignLateAnswer" },
        "originate.result": { guard: "originateFailedWithoutChannel", target: "ended", actions: "assignOriginateFailure" },
        "timer.hangup_confirm": [
          { guard: "linkIsUp", target: "ended" },
          // Link down: the switch may not have heard us; keep waiting for resync rather than invent an end.
          { actions: [{ type: "setDeadline", params: { timer: "hangupConfirm" } }, { type: "armTimer", params: { timer: "hangupConfirm" } }] },
        ],
        "link.up": {
          actions: [
            "assignLinkUp",
            "reissueHangup",
            { type: "setDeadline", params: { timer: "hangupConfirm" } },
            { type: "armTimer", params: { timer: "hangupConfirm" } },
          ],
        },
        resume: { actions: { type: "armTimer", params: { timer: "hangupConfirm" } } },
      },
    },

    ending: {
      entry: [
        { type: "cancelTimer", params: { timer: "hangupConfirm" } },
        { type: "setDeadline", params: { timer: "hangupComplete" } },
        { type: "armTimer", params: { timer: "hangupComplete" } },
      ],
      on: {
        "channel.hangup_complete": { target: "ended", actions: ["assignHangup", "assignHangupComplete"] },
        "channel.destroy": { target: "ended" },
        "channel.vanished": { target: "ended", actions: "assignVanished" },
        "timer.hangup_complete": { target: "ended" },
        "originate.result": [
          // Entered on a bare CHANNEL_DESTROY: the job's -ERR <cause> is the last word.
          { guard: "endUnexplained", target: "ended", actions: "assignOriginateFailure" },
          { actions: "assignOriginateFailure" },
        ],
        resume: { actions: { type: "armTimer", params: { timer: "hangupComplete" } } },
      },
    },

    ended: {
      type: "final",
      entry: "settleOutcome",
    },
  },
});

export type CallMachine = typeof callMachine;
export type CallSnapshot = SnapshotFrom<typeof callMachine>;

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
  if (snapshot.status !== "active") return refusalReason("ended", snapshot.context, event.type);
  const state = callStateName(snapshot);
  if (snapshot.can(event)) {
    const transitions = snapshot.machine.getTransitionData(snapshot, event);
    const refused = transitions.every((t) => t.target === undefined && t.actions.some(isRefusalAction));
    if (!refused) return null;
  }
  return refusalReason(state, snapshot.context, event.type);
}

function stripTerminators(buffer: string, terminator: string | null): string {
  if (terminator === null || terminator === "") return buffer;
  return buffer.split(terminator).join("");
}
