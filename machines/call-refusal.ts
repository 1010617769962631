/**
 * Human reasons for a user command the call cannot take in its current state.
 * The machine puts the same text in its `refused` event that the HTTP layer
 * answers with 409, so the two never disagree.
 */
import type { CallContext, CallUserCommand, CallUserCommandType } from "./call-types.ts";

/** How each command reads in "cannot <verb> a call that …". */
const VERB: Record<CallUserCommandType, string> = {
  say: "say text on",
  play: "play on",
  send_dtmf: "send DTMF on",
  gather: "gather digits on",
  transfer: "transfer",
  bridge: "bridge",
  bridge_call: "bridge",
  hangup: "hang up",
  answer: "answer",
  break: "stop playback on",
  audio_stream: "stream audio from",
};

/** How each state reads after "a call that …". */
const STATE_PHRASE: Record<string, string> = {
  queued: "is queued",
  initiating: "is being dialed",
  ringing: "is ringing",
  early_media: "is ringing (early media)",
  "in_progress.idle": "is in progress",
  "in_progress.playing": "is playing audio",
  "in_progress.speaking": "is speaking",
  "in_progress.collecting_digits": "is already collecting digits",
  "in_progress.bridged": "is bridged",
  "in_progress.transferred": "was transferred to the dialplan",
  hanging_up: "is already hanging up",
  ending: "has ended",
  ended: "has ended",
};

/**
 * Why `command` is refused in `state` (a dotted state name such as
 * "in_progress.playing"). Only called once the machine has decided to refuse.
 */
export function refusalReason(state: string, context: CallContext, command: CallUserCommandType, event?: CallUserCommand): string {
  const verb = VERB[command];
  if (event?.type === "audio_stream" && state.startsWith("in_progress")) {
    // In progress, a stream command is refused only for the stream's own state (one per call).
    if (event.action === "start" && context.audioStream != null) return "cannot start an audio stream on a call that already streams audio";
    if (event.action === "stop" && context.audioStream == null) return "cannot stop the audio stream of a call that streams no audio";
  }
  if (command === "answer") {
    if (context.direction === "outbound") return "cannot answer an outbound call";
    if (state === "ringing" && context.answerRequested) return "cannot answer a call that is already being answered";
    if (state.startsWith("in_progress")) return "cannot answer a call that is already answered";
  }
  const phrase = STATE_PHRASE[state] ?? `is ${state.replace(/[._]/g, " ")}`;
  return `cannot ${verb} a call that ${phrase}`;
}
