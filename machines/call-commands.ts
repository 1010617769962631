/**
 * Pure builders for the SwitchCommands a call emits. No I/O: each returns the
 * command value; the runtime's executor encodes and sends it.
 */
import type { SwitchCommand } from "./switch/index.ts";
import type { CallContext, GatherPrompt } from "./call-types.ts";

/** Channel variable play_and_get_digits stores the digits in (arrives as variable_<name> on EXECUTE_COMPLETE). */
export const GATHER_VARIABLE = "switchboard_gather_digits";
/** A short silence: play_and_get_digits needs a prompt file and an invalid-input file. */
export const SILENCE_FILE = "silence_stream://250";
/** Digits play_and_get_digits accepts (0-9, *, #); a terminator ends collection before this check. */
export const GATHER_REGEXP = "^[0-9*#]+$";
/** Most loops a `play` may ask for: file_string:// repeats the file, it does not stream forever. */
export const MAX_PLAY_LOOPS = 100;

export function originateCommand(context: CallContext): SwitchCommand {
  return {
    type: "originate",
    uuid: context.callId,
    dialString: context.dialString ?? "",
    callerIdNumber: context.from,
    ...(context.callerIdName !== null ? { callerIdName: context.callerIdName } : {}),
    timeoutSec: context.timeoutSec,
    ...(Object.keys(context.variables).length > 0 ? { variables: { ...context.variables } } : {}),
  };
}

export function hangupCommand(context: CallContext, cause: string): SwitchCommand {
  return { type: "hangup", uuid: context.callId, cause };
}

export function answerCommand(context: CallContext, applicationUuid: string): SwitchCommand {
  return { type: "answer", uuid: context.callId, applicationUuid };
}

/** uuid_break; `all` also flushes queued playbacks (what a barge-in wants). */
export function breakCommand(context: CallContext, all = false): SwitchCommand {
  return all ? { type: "break", uuid: context.callId, all: true } : { type: "break", uuid: context.callId };
}

/** The caller only (mod_audio_stream `mono`), at 16 kHz unless asked otherwise. */
export const DEFAULT_STREAM_SAMPLE_RATE = 16_000;
/** STREAM_HEART_BEAT's default: a WebSocket PING every 10 s, as in the module's capture. */
export const DEFAULT_STREAM_HEART_BEAT_SEC = 10;

export interface AudioStreamSpec {
  url: string;
  metadata?: string;
  sampleRate?: number;
  heartBeatSec?: number;
}

/**
 * What starts a caller-audio stream, in order: the two channel variables
 * mod_audio_stream reads into C locals it leaves uninitialised when unset
 * (`int deflate, heart_beat;` in stream_session_init), then the start itself.
 */
export function audioStreamStartCommands(context: CallContext, spec: AudioStreamSpec): SwitchCommand[] {
  const uuid = context.callId;
  return [
    // strtol() of the whole value: seconds between WebSocket PINGs.
    { type: "set_variable", uuid, name: "STREAM_HEART_BEAT", value: String(spec.heartBeatSec ?? DEFAULT_STREAM_HEART_BEAT_SEC) },
    // "true" *disables* permessage-deflate (`if (deflate) client.enableCompression(false)`): raw L16 does not compress.
    { type: "set_variable", uuid, name: "STREAM_MESSAGE_DEFLATE", value: "true" },
    {
      type: "audio_stream",
      uuid,
      action: "start",
      url: spec.url,
      sampleRate: spec.sampleRate ?? DEFAULT_STREAM_SAMPLE_RATE,
      ...(spec.metadata !== undefined ? { metadata: spec.metadata } : {}),
    },
  ];
}

export function audioStreamStopCommand(context: CallContext): SwitchCommand {
  return { type: "audio_stream", uuid: context.callId, action: "stop" };
}

/** `speak <engine>|<voice>|<text>`; engine and voice default to the call's TTS settings. */
export function speakCommand(
  context: CallContext,
  text: string,
  voice: string | undefined,
  applicationUuid: string,
  engine?: string,
): SwitchCommand {
  return {
    type: "speak",
    uuid: context.callId,
    engine: engine ?? context.tts.engine,
    voice: voice ?? context.tts.voice,
    text,
    applicationUuid,
  };
}

/**
 * The file playback gets: the URL as given, or a file_string:// list repeating it
 * (FreeSWITCH plays "file_string://a!b" as one file, a then b).
 */
export function playbackFile(url: string, loop: number | undefined): string {
  const times = Math.min(Math.max(Math.trunc(loop ?? 1), 1), MAX_PLAY_LOOPS);
  if (times === 1) return url;
  return `file_string://${Array.from({ length: times }, () => url).join("!")}`;
}

export function playbackCommand(
  context: CallContext,
  url: string,
  loop: number | undefined,
  applicationUuid: string,
): SwitchCommand {
  return { type: "playback", uuid: context.callId, file: playbackFile(url, loop), applicationUuid };
}

/**
 * A prompt as a file: the "tts" file format speaks "tts://<engine>|<voice>|<text>".
 * That format is mod_ssml's (src/mod/formats/mod_ssml, tts_supported_formats), not
 * mod_dptools': without mod_ssml loaded the switch answers "Invalid file format [tts]".
 */
export function promptFile(context: CallContext, prompt: GatherPrompt | undefined): string {
  if (prompt === undefined) return SILENCE_FILE;
  // The prompt travels as one quoted field of play_and_get_digits' argument: a typographic
  // apostrophe reads the same to TTS and cannot end the quote.
  if ("say" in prompt) {
    const text = prompt.say.replace(/'/g, "\u2019").replace(/\\/g, " ");
    return `tts://${context.tts.engine}|${prompt.voice ?? context.tts.voice}|${text}`;
  }
  return prompt.play;
}

export interface GatherSpec {
  minDigits: number;
  maxDigits: number;
  timeoutMs: number;
  terminators: string;
  prompt?: GatherPrompt;
}

export function gatherCommand(context: CallContext, spec: GatherSpec, applicationUuid: string): SwitchCommand {
  return {
    type: "play_and_get_digits",
    uuid: context.callId,
    applicationUuid,
    minDigits: spec.minDigits,
    maxDigits: spec.maxDigits,
    tries: 1,
    timeoutMs: spec.timeoutMs,
    // Arguments are space-separated and an empty one makes mod_dptools default to "#":
    // "none" is a terminator set no DTMF digit can match.
    terminators: spec.terminators === "" ? "none" : spec.terminators,
    file: promptFile(context, spec.prompt),
    invalidFile: SILENCE_FILE,
    variableName: GATHER_VARIABLE,
    regexp: GATHER_REGEXP,
    digitTimeoutMs: spec.timeoutMs,
  };
}

export function bridgeCommand(context: CallContext, dialString: string, applicationUuid: string): SwitchCommand {
  return { type: "bridge", uuid: context.callId, dialString, applicationUuid };
}

/** uuid_bridge <this call> <other call>: both legs leave what they run (park, playback) for the bridge. */
export function uuidBridgeCommand(context: CallContext, otherCallId: string): SwitchCommand {
  return { type: "uuid_bridge", uuid: context.callId, otherUuid: otherCallId };
}

export function transferCommand(context: CallContext, extension: string, dialplanContext?: string): SwitchCommand {
  return {
    type: "transfer",
    uuid: context.callId,
    extension,
    ...(dialplanContext !== undefined ? { dialplan: "XML", context: dialplanContext } : {}),
  };
}

export function sendDtmfCommand(context: CallContext, digits: string): SwitchCommand {
  return { type: "send_dtmf", uuid: context.callId, digits };
}
