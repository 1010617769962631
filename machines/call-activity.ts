/**
 * What the call is doing while it is up, and the user commands that change it:
 * answer, say, play, gather, bridge, transfer, send DTMF, break, and the
 * caller-audio stream (each emits its SwitchCommands), the refusal of a command the state cannot take, and the
 * bookkeeping of the running application (pending, matched by Application-UUID
 * on CHANNEL_EXECUTE_COMPLETE), DTMF, playback and bridge notices.
 */
import { callAssign, callEmit, callEnqueue, withParams } from "./call-action-kit.ts";
import {
  answerCommand,
  audioStreamStartCommands,
  audioStreamStopCommand,
  breakCommand,
  bridgeCommand,
  DEFAULT_STREAM_SAMPLE_RATE,
  gatherCommand,
  GATHER_VARIABLE,
  playbackCommand,
  sendDtmfCommand,
  speakCommand,
  transferCommand,
  uuidBridgeCommand,
} from "./call-commands.ts";
import { refusalReason } from "./call-refusal.ts";
import { nowOf } from "./call-timers.ts";
import type { CallContext, CallUserCommand, CallUserCommandType, PendingApplication } from "./call-types.ts";
import { stateName } from "./call-view.ts";

/** The DTMF log keeps the most recent digits only. */
export const MAX_DTMF_LOG = 256;

/** Application-Response values with which mod_dptools' playback reports a file it could not play. */
const PLAYBACK_FAILURES = new Set(["FILE NOT FOUND", "PLAYBACK ERROR"]);

/** A play_and_get_digits completion that carries the channel's variables but no read_result. */
function promptFailed(variables: Record<string, string>): boolean {
  for (const _ in variables) return variables["read_result"] === undefined;
  return false;
}

function stripTerminators(buffer: string, terminator: string | null): string {
  if (terminator === null || terminator === "") return buffer;
  return buffer.split(terminator).join("");
}

export function pending(application: PendingApplication["application"], applicationUuid: string, since: number): PendingApplication {
  return { application, applicationUuid, since };
}

// ── user commands ──

const emitRefused = callEmit(({ context, event, self }) => {
  const state = stateName(self.getSnapshot().value);
  const command = event.type as CallUserCommandType;
  return { type: "refused" as const, command, reason: refusalReason(state, context, command, event as CallUserCommand), state };
});

const answerCall = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "answer") return;
  enqueue.assign({
    answerRequested: true,
    pending: pending("answer", event.applicationUuid, nowOf(event, context)),
  });
  enqueue.emit({ type: "command", command: answerCommand(context, event.applicationUuid) });
});

/** An inbound call with a script answers itself. */
const answerForScript = callEnqueue(({ context, enqueue }) => {
  if (context.direction !== "inbound" || context.script.length === 0) return;
  const applicationUuid = `${context.callId}:answer`;
  enqueue.assign({ answerRequested: true, pending: pending("answer", applicationUuid, context.createdAt) });
  enqueue.emit({ type: "command", command: answerCommand(context, applicationUuid) });
});

/** Interrupt what is playing (uuid_break) before starting something else. */
const breakIfBusy = callEnqueue(({ context, enqueue }) => {
  const app = context.pending?.application;
  if (context.pending?.breakSent === true) return;
  if (app === "playback" || app === "speak" || app === "play_and_get_digits") {
    enqueue.emit({ type: "command", command: breakCommand(context) });
  }
});

const startSpeak = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "say") return;
  enqueue.assign({ pending: pending("speak", event.applicationUuid, nowOf(event, context)) });
  enqueue.emit({
    type: "command",
    command: speakCommand(context, event.text, event.voice, event.applicationUuid, event.engine),
  });
});

const startPlay = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "play") return;
  enqueue.assign({ pending: pending("playback", event.applicationUuid, nowOf(event, context)) });
  enqueue.emit({
    type: "command",
    command: playbackCommand(context, event.url, event.loop, event.applicationUuid),
  });
});

const startGather = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "gather") return;
  enqueue.assign({
    pending: pending("play_and_get_digits", event.applicationUuid, nowOf(event, context)),
    gather: { applicationUuid: event.applicationUuid, buffer: "", digits: null, terminator: null },
  });
  enqueue.emit({ type: "command", command: gatherCommand(context, event, event.applicationUuid) });
});

const startBridge = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "bridge") return;
  enqueue.assign({
    pending: pending("bridge", event.applicationUuid, nowOf(event, context)),
    bridgedTo: null,
  });
  enqueue.emit({
    type: "command",
    command: bridgeCommand(context, event.dialString, event.applicationUuid),
  });
});

/**
 * bridge_call: uuid_bridge to another live call. What played (hold audio) was
 * broken first (breakIfBusy) and is no longer ours to wait for: its
 * EXECUTE_COMPLETE must not end the bridge, which CHANNEL_BRIDGE reports.
 */
const startCallBridge = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "bridge_call") return;
  enqueue.assign({ pending: null });
  enqueue.emit({ type: "command", command: uuidBridgeCommand(context, event.otherCallId) });
});

const startTransfer = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "transfer") return;
  // uuid_transfer takes the channel out of park: whatever we were running is gone.
  enqueue.assign({ pending: null });
  enqueue.emit({ type: "command", command: transferCommand(context, event.extension, event.context) });
});

/**
 * The `break` command: uuid_break … all. What was playing stays pending, so its
 * CHANNEL_EXECUTE_COMPLETE (FILE PLAYED, Playback-Status: break) takes the call
 * back to idle as any finished activity does. Sent once per application.
 */
const breakPlayback = callEnqueue(({ context, enqueue }) => {
  if (context.pending?.breakSent === true) return;
  if (context.pending !== null) enqueue.assign({ pending: { ...context.pending, breakSent: true } });
  enqueue.emit({ type: "command", command: breakCommand(context, true) });
});

/**
 * `break` while idle: taken, and nothing is sent. uuid_break on a channel that
 * plays nothing still sets CF_BREAK, which no parked channel clears
 * (switch_ivr_park), and the next playback would stop on its first frame
 * (switch_ivr_play_file tests CF_BREAK in its loop).
 */
const nothingToBreak = (): void => {};

const startAudioStream = callEnqueue(({ context, event, enqueue }) => {
  if (event.type !== "audio_stream" || event.action !== "start") return;
  const sampleRate = event.sampleRate ?? DEFAULT_STREAM_SAMPLE_RATE;
  enqueue.assign({ audioStream: { url: event.url, sampleRate, since: nowOf(event, context) } });
  for (const command of audioStreamStartCommands(context, event)) enqueue.emit({ type: "command", command });
});

const stopAudioStream = callEnqueue(({ context, enqueue }) => {
  enqueue.assign({ audioStream: null });
  enqueue.emit({ type: "command", command: audioStreamStopCommand(context) });
});

/** The switch refused a start (a second stream, a bad URL) or a stop: no stream is running. */
const clearAudioStream = callAssign({ audioStream: null });

const sendDtmf = callEmit(({ context, event }) => ({
  type: "command" as const,
  command: sendDtmfCommand(context, event.type === "send_dtmf" ? event.digits : ""),
}));

// ── what the call is doing ──

const setActivity = withParams<{ activity: CallContext["activity"] }>().assign(
  (_, params: { activity: CallContext["activity"] }) => ({ activity: params.activity }),
);
const leaveActivity = callAssign({ activity: "none" as const, pending: null });
const clearPending = callAssign({ pending: null });

/** The pending application's CHANNEL_EXECUTE_COMPLETE: read a gather's result or a bridge's failure. */
const finishActivity = callEnqueue(({ context, event, enqueue }) => {
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
});

const recordPlayback = callAssign(({ event }) => {
  if (event.type === "playback.start") return { lastPlayback: { filePath: event.filePath, status: "playing" as const } };
  if (event.type === "playback.stop") return { lastPlayback: { filePath: event.filePath, status: event.status } };
  return {};
});

const recordDtmf = callAssign(({ context, event }) => {
  if (event.type !== "channel.dtmf") return {};
  const at = nowOf(event, context);
  const dtmf = [...context.dtmf, { digit: event.digit, at }].slice(-MAX_DTMF_LOG);
  const collecting = context.gather !== null && context.gather.digits === null && context.activity === "collecting_digits";
  return {
    dtmf,
    ...(collecting && context.gather !== null ? { gather: { ...context.gather, buffer: context.gather.buffer + event.digit } } : {}),
  };
});

const assignBridged = callAssign(({ event }) => ({
  bridgedTo: event.type === "channel.bridge" ? event.otherUuid : null,
}));

const assignUnbridged = callAssign(({ context }) => ({
  bridgedTo: null,
  pending: context.pending?.application === "bridge" ? null : context.pending,
}));

export const activityActions = {
  emitRefused,
  answerCall,
  answerForScript,
  breakIfBusy,
  startSpeak,
  startPlay,
  startGather,
  startBridge,
  startCallBridge,
  startTransfer,
  sendDtmf,
  breakPlayback,
  nothingToBreak,
  startAudioStream,
  stopAudioStream,
  clearAudioStream,
  setActivity,
  leaveActivity,
  clearPending,
  finishActivity,
  recordPlayback,
  recordDtmf,
  assignBridged,
  assignUnbridged,
};
