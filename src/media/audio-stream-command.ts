/**
 * What the runtime sends the switch to start and stop a call's audio stream,
 * as data: the call actor sends it (the runtime never writes ESL here).
 *
 *   1. set the channel variables in `variables` on the call (uuid_setvar), then
 *   2. `api uuid_audio_stream <args>` with `args` from audioStreamStart().
 *
 * Grammar (mod_audio_stream ec2a781 mod_audio_stream.c stream_function):
 *   <uuid> start <ws-url> <mono|mixed|stereo> [8k|16k|<n·8000>] [metadata]
 * split with switch_separate_string(cmd, ' ', argv, 6): the metadata, argv[5],
 * takes the rest of the line. Metadata with spaces goes in the `^^|` form (`|`
 * becomes the delimiter, as drachtio-fsmrf lib/endpoint.js does), so a space is
 * never a separator whatever the splitter does; the capture's `^^|` start
 * delivered `{"text":"hello world, with  spaces","n":1}` intact. Either form
 * runs cleanup_separated_string on the text, which ate the capture's quotes
 * and backslashes, so the text is escaped for it (switch-argument.ts).
 *
 * Always `mono`: the caller only (SMBF_READ_STREAM). `mixed` would put our own
 * TTS into the recogniser's ears.
 */
import { escapeLastSwitchArgument, SwitchArgumentError } from "./switch-argument.ts";

export interface ApiCall {
  command: "uuid_audio_stream";
  args: string;
}

export interface AudioStreamStartOptions {
  /** The channel UUID. */
  uuid: string;
  /** From MediaServer.expect(). */
  url: string;
  /** 16000 for `16k`, 8000 for `8k`; another multiple of 8000 is sent as a number. */
  sampleRate: number;
  /** Sent back to us as the stream's first text frame. */
  metadata?: string;
}

export interface AudioStreamVariableOptions {
  /** Seconds between the module's WebSocket PINGs [10, as in the capture]. */
  heartBeatSec?: number;
}

/** mod_audio_stream.h MAX_METADATA_LEN: the module strncpy()s into 8192 bytes, so 8191 and a NUL. */
export const MAX_METADATA_BYTES = 8191;
/** mod_audio_stream.h MAX_WS_URI. */
const MAX_URL_BYTES = 4095;

const UUID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** validate_ws_uri: ws:// or wss://, host [A-Za-z0-9.-], optional digits port, then a path; no argument-breaking characters. */
const WS_URL = /^wss?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/[^\s'\\|]*$/;

/**
 * Channel variables to set before `start`. mod_audio_stream reads them into C
 * locals (`int deflate, heart_beat;` in stream_session_init) that are left
 * uninitialised when the variable is unset, so both are always set.
 */
export function audioStreamChannelVariables(options: AudioStreamVariableOptions = {}): Record<string, string> {
  const heartBeat = options.heartBeatSec ?? 10;
  if (!Number.isInteger(heartBeat) || heartBeat < 1) throw new SwitchArgumentError(`heart beat ${heartBeat} is not a positive integer`);
  return {
    // strtol() of the whole value; a WebSocket PING with payload `ping` this often.
    STREAM_HEART_BEAT: String(heartBeat),
    // "true" *disables* permessage-deflate (`if (deflate) client.enableCompression(false)`): raw L16 does not compress.
    STREAM_MESSAGE_DEFLATE: "true",
  };
}

export function sampleRateArgument(sampleRate: number): string {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate % 8000 !== 0) {
    throw new SwitchArgumentError(`sample rate ${sampleRate} is not a multiple of 8000`);
  }
  if (sampleRate === 8000) return "8k";
  if (sampleRate === 16000) return "16k";
  return String(sampleRate);
}

/** `uuid_audio_stream` arguments that start the call's stream. */
export function audioStreamStart(options: AudioStreamStartOptions): ApiCall {
  const uuid = checkedUuid(options.uuid);
  if (!WS_URL.test(options.url) || Buffer.byteLength(options.url) > MAX_URL_BYTES) {
    throw new SwitchArgumentError(`stream URL ${JSON.stringify(options.url)} is not one mod_audio_stream accepts as one argument`);
  }
  const head = [uuid, "start", options.url, "mono", sampleRateArgument(options.sampleRate)];
  if (options.metadata === undefined || options.metadata === "") {
    return { command: "uuid_audio_stream", args: head.join(" ") };
  }
  if (Buffer.byteLength(options.metadata) > MAX_METADATA_BYTES) {
    throw new SwitchArgumentError(`metadata is longer than mod_audio_stream's ${MAX_METADATA_BYTES} bytes`);
  }
  const metadata = escapeLastSwitchArgument(options.metadata);
  if (metadata.includes(" ")) return { command: "uuid_audio_stream", args: `^^|${[...head, metadata].join("|")}` };
  return { command: "uuid_audio_stream", args: [...head, metadata].join(" ") };
}

/**
 * `uuid_audio_stream <uuid> stop`: the module sends CLOSE 1000 and the api reply
 * waits for our answer. No closing text: it would reach us as a stray text frame.
 */
export function audioStreamStop(uuid: string): ApiCall {
  return { command: "uuid_audio_stream", args: `${checkedUuid(uuid)} stop` };
}

/** Both steps of a start, in order: variables first, then the api call. */
export function audioStreamStartPlan(
  options: AudioStreamStartOptions & AudioStreamVariableOptions,
): { variables: Record<string, string>; api: ApiCall } {
  return { variables: audioStreamChannelVariables(options), api: audioStreamStart(options) };
}

function checkedUuid(uuid: string): string {
  if (!UUID.test(uuid)) throw new SwitchArgumentError(`channel uuid ${JSON.stringify(uuid)} is not a single plain argument`);
  return uuid;
}
