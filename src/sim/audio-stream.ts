/**
 * mod_audio_stream (amigniter/mod_audio_stream ec2a781, libwsc v1.1.0) as the
 * simulated switch runs it: the `uuid_audio_stream` api with the real
 * module's replies, one media bug per channel streaming the channel's audio
 * to a WebSocket server as binary L16 at real-time pace, and the
 * `mod_audio_stream::*` CUSTOM events. Checked against
 * shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_{esl,ws}.transcript.txt.
 *
 *   uuid_audio_stream <uuid> start <ws-url> <mono|mixed|stereo> [8k|16k|<n·8000>] [metadata]
 *   uuid_audio_stream <uuid> stop [text] | pause | resume | send_text <text>
 *
 * The audio is what the simulated world says on the channel
 * (channel-media.ts): the far end's scripted speech as speech frames
 * (speech-audio.ts), int16 -1 silence otherwise; `mixed` / `stereo` add the
 * bot's speech (the WRITE stream). Frames go out at real time whatever the
 * scenario's timeScale.
 *
 * This file is the api and the switch's view of its streams; one stream is
 * audio-streamer.ts (its frames audio-stream-frames.ts, its events
 * audio-stream-events.ts, its played files audio-stream-play.ts), the
 * WebSocket client ws-client.ts.
 */

import { Buffer } from "node:buffer";
import type { ApiOutput } from "./api-commands.ts";
import type { MixType } from "./audio-stream-frames.ts";
import { existingRegistry, registry, type SimTempFile } from "./audio-stream-registry.ts";
import { type AudioStreamInfo, AudioStreamer, atoi } from "./audio-streamer.ts";
import { markPreAnswered } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { separateString } from "./separate-string.ts";
import type { SwitchCore } from "./switch-core.ts";

export { EVENT_CONNECT, EVENT_DISCONNECT, EVENT_ERROR, EVENT_JSON, EVENT_PLAY } from "./audio-stream-events.ts";
export type { MixType } from "./audio-stream-frames.ts";
export type { SimTempFile } from "./audio-stream-registry.ts";
export type { AudioStreamInfo } from "./audio-streamer.ts";

export const STREAM_API_SYNTAX =
  "<uuid> [start | stop | send_text | pause | resume | graceful-shutdown ] [wss-url | path] [mono | mixed | stereo] [8000 | 16000] [metadata]";

const OK = "+OK Success\n";
const FAILED = "-ERR Operation Failed\n";
/** A `goto done` in stream_function writes nothing; mod_event_socket then answers `-ERR no reply`. */
const NO_REPLY = "";

/** mod_audio_stream.h MAX_METADATA_LEN (strncpy into char[8192]). */
const MAX_METADATA = 8192;

/** A file mod_audio_stream wrote for a streamAudio message and has not deleted yet. */
export function audioStreamTempFile(core: SwitchCore, path: string): SimTempFile | undefined {
  return existingRegistry(core)?.tempFiles.get(path);
}

/** validate_ws_uri (audio_streamer_glue.cpp). */
export function validateWsUri(url: string): boolean {
  let host: number;
  if (url.startsWith("ws://")) host = 5;
  else if (url.startsWith("wss://")) host = 6;
  else return false;
  let end = host;
  while (end < url.length && url[end] !== ":" && url[end] !== "/") {
    if (!/[A-Za-z0-9.-]/.test(url[end]!)) return false;
    end++;
  }
  if (end === host) return false;
  if (url[end] === ":") {
    for (let p = end + 1; p < url.length && url[p] !== "/"; p++) if (!/[0-9]/.test(url[p]!)) return false;
  }
  return true;
}

function startStream(core: SwitchCore, ch: Channel, url: string, mix: MixType, sampleRate: number, metadata: string | undefined): string {
  const reg = registry(core);
  // start_capture: one bug per channel ("bug already attached!").
  if (reg.streams.has(ch.uuid)) return FAILED;
  // switch_channel_pre_answer: an unanswered channel gets early media first.
  if (!ch.isUp) return FAILED;
  markPreAnswered(core, ch);
  const stream = new AudioStreamer(core, ch, url, mix, sampleRate, metadata);
  reg.streams.set(ch.uuid, stream);
  // SWITCH_ABC_TYPE_CLOSE when the channel goes: cleanup with no text, no event.
  ch.hangupHooks.push(() => void stream.cleanup(undefined));
  stream.start();
  return OK;
}

/** The `uuid_audio_stream` api (stream_function, mod_audio_stream.c). */
export function uuidAudioStream(core: SwitchCore, arg: string): ApiOutput {
  const argv = separateString(arg, " ", 6);
  const argc = argv.length;
  if (arg === "" || argc < 2 || (argv[1] === "start" && argc < 4)) return `-USAGE: ${STREAM_API_SYNTAX}\n`;
  const ch = core.channels.get(argv[0]!);
  // switch_core_session_locate fails for a channel that is gone or going.
  if (!ch || !ch.isUp) return FAILED;
  const stream = registry(core).streams.get(ch.uuid);
  const action = argv[1]!.toLowerCase();
  switch (action) {
    case "stop": {
      if (!stream) return FAILED;
      // The reply waits for the close handshake (libwsc joins its event thread).
      return stream.cleanup(argc > 2 ? argv[2] : undefined).then(() => OK);
    }
    case "pause":
    case "resume":
      if (!stream) return FAILED;
      stream.pause(action === "pause");
      return OK;
    case "send_text":
      if (argc < 3) return NO_REPLY;
      if (!stream) return FAILED;
      stream.sendText(argv[2]!);
      return OK;
    case "start": {
      if (argc < 4) return `-USAGE: ${STREAM_API_SYNTAX}\n`;
      const mixArg = argv[3]!;
      // strcmp: case matters here.
      if (mixArg !== "mono" && mixArg !== "mixed" && mixArg !== "stereo") return NO_REPLY;
      let sampling = 8000;
      if (argc > 4) sampling = argv[4] === "16k" ? 16000 : argv[4] === "8k" ? 8000 : atoi(argv[4]!);
      const url = argv[2]!;
      if (!validateWsUri(url)) return FAILED;
      if (sampling % 8000 !== 0) return FAILED;
      // A rate of 0 ("abc") fails in stream_data_init (the resampler will not open).
      if (sampling <= 0) return FAILED;
      const metadata = argc > 5 ? Buffer.from(argv[5]!).subarray(0, MAX_METADATA - 1).toString() : undefined;
      return startStream(core, ch, url, mixArg, sampling, metadata);
    }
    default:
      return FAILED;
  }
}

/** What a channel's stream is doing (tests, debugging); undefined when it has none. */
export function audioStreamInfo(core: SwitchCore, uuid: string): AudioStreamInfo | undefined {
  return existingRegistry(core)?.streams.get(uuid)?.info();
}

/** The switch shuts down: every stream closes (CLOSE 1000) and the clock stops. */
export async function stopAudioStreams(core: SwitchCore): Promise<void> {
  const reg = existingRegistry(core);
  if (!reg) return;
  const closing = [...reg.streams.values()].map((s) => s.cleanup(undefined));
  reg.clock.stop();
  await Promise.all(closing);
}
