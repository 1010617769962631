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
 * This file is the state tree; what each named action, guard and delay does is
 * in its own file: call-context (initial context), call-timers (the clock and
 * the four timers), call-bookkeeping (outcome and CDR fields), call-hangup
 * (originate and hangup requests), call-activity (user commands and what the
 * call is doing), call-script (script steps), call-guards, and call-view
 * (state name, status and refusal, read from a snapshot).
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
 * - `break` stops what plays (uuid_break … all) and leaves the application
 *   pending: its EXECUTE_COMPLETE returns the call to idle. Idle, it is taken
 *   and nothing is sent; bridged or transferred, it is refused.
 * - `audio_stream` start/stop (mod_audio_stream) is taken in any in-progress
 *   state, one stream at a time; it does not change the activity. The
 *   module's `::error` event ends the stream (its media bug is closed).
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
import { setup, type SnapshotFrom } from "xstate";
import { activityActions } from "./call-activity.ts";
import { bookkeepingActions } from "./call-bookkeeping.ts";
import { initialContext } from "./call-context.ts";
import { callGuards } from "./call-guards.ts";
import { hangupActions } from "./call-hangup.ts";
import { scriptActions } from "./call-script.ts";
import { callDelays, timerActions } from "./call-timers.ts";
import type { CallContext, CallEmitted, CallEvent, CallInput } from "./call-types.ts";

export * from "./call-types.ts";
export { callOutcome, liveStatusForState, type CallStatus, type FinalCallStatus, type HangupBy } from "./call-outcome.ts";
export { DEFAULT_RING_TIMEOUT_SEC, DEFAULT_TIME_LIMIT_SEC, DEFAULT_TTS_ENGINE, DEFAULT_TTS_VOICE } from "./call-context.ts";
export { HANGUP_COMPLETE_GRACE_MS, HANGUP_CONFIRM_MS, RING_GRACE_SEC } from "./call-timers.ts";
export { MAX_DTMF_LOG } from "./call-activity.ts";
export { callStateName, callStatus, refusal, stateName } from "./call-view.ts";

export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
    emitted: {} as CallEmitted,
    output: {} as CallContext,
  },
  delays: callDelays,
  guards: callGuards,
  actions: {
    ...timerActions,
    ...bookkeepingActions,
    ...hangupActions,
    ...activityActions,
    ...scriptActions,
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
    bridge_call: { actions: "emitRefused" },
    hangup: { actions: "emitRefused" },
    answer: { actions: "emitRefused" },
    break: { actions: "emitRefused" },
    audio_stream: { actions: "emitRefused" },
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
        // Idle until CHANNEL_BRIDGE says the two legs are joined (-ERR: the other leg is gone).
        bridge_call: { target: ".idle", actions: ["breakIfBusy", "startCallBridge"] },
        transfer: { target: ".transferred", actions: "startTransfer" },
        send_dtmf: { actions: "sendDtmf" },
        break: { actions: "breakPlayback" },
        audio_stream: [
          { guard: "startsAudioStream", actions: "startAudioStream" },
          { guard: "stopsAudioStream", actions: "stopAudioStream" },
          { actions: "emitRefused" },
        ],
        hangup: { target: "hanging_up", actions: { type: "requestHangup", params: { reason: "api" } } },
        "channel.execute_complete": { guard: "completesPending", target: ".idle", actions: "finishActivity" },
        "channel.bridge": { target: ".bridged", actions: "assignBridged" },
        "channel.unbridge": { target: ".idle", actions: "assignUnbridged" },
        "playback.start": { actions: "recordPlayback" },
        "playback.stop": { actions: "recordPlayback" },
        "channel.custom": { guard: "audioStreamErrored", actions: "clearAudioStream" },
        "command.failed": [
          { guard: "pendingCommandFailed", target: ".idle", actions: ["assignCommandFailure", "clearPending"] },
          { guard: "audioStreamCommandFailed", actions: ["assignCommandFailure", "clearAudioStream"] },
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
          on: {
            // Nothing plays: nothing to stop, and no uuid_break (its flag would outlive it and cut the next prompt).
            break: { actions: "nothingToBreak" },
          },
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
            bridge_call: { actions: "emitRefused" },
            break: { actions: "emitRefused" },
          },
        },
        transferred: {
          entry: { type: "setActivity", params: { activity: "transferred" } },
          on: {
            say: { actions: "emitRefused" },
            play: { actions: "emitRefused" },
            gather: { actions: "emitRefused" },
            bridge: { actions: "emitRefused" },
            bridge_call: { actions: "emitRefused" },
            break: { actions: "emitRefused" },
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
