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
 */

import { Buffer } from "node:buffer";
import type { ApiOutput } from "./api-commands.ts";
import { markPreAnswered } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { type ChannelMedia, sharedSilence, simMedia } from "./channel-media.ts";
import { MediaClock } from "./media-clock.ts";
import { separateString } from "./separate-string.ts";
import { FRAME_MS, l16Bytes } from "./speech-audio.ts";
import type { SwitchCore } from "./switch-core.ts";
import { LibwscClient } from "./ws-client.ts";

export const STREAM_API_SYNTAX =
  "<uuid> [start | stop | send_text | pause | resume | graceful-shutdown ] [wss-url | path] [mono | mixed | stereo] [8000 | 16000] [metadata]";

const OK = "+OK Success\n";
const FAILED = "-ERR Operation Failed\n";
/** A `goto done` in stream_function writes nothing; mod_event_socket then answers `-ERR no reply`. */
const NO_REPLY = "";

/** responseHandler: every event is fired from here (mod_audio_stream.c line 16). */
const SITE = ["mod_audio_stream.c", "responseHandler", 16] as const;

export const EVENT_CONNECT = "mod_audio_stream::connect";
export const EVENT_DISCONNECT = "mod_audio_stream::disconnect";
export const EVENT_ERROR = "mod_audio_stream::error";
export const EVENT_JSON = "mod_audio_stream::json";
export const EVENT_PLAY = "mod_audio_stream::play";

/** SWITCH_GLOBAL_dirs.temp_dir on the captured switch. */
const TEMP_DIR = "/tmp";
/** mod_audio_stream.h MAX_METADATA_LEN (strncpy into char[8192]). */
const MAX_METADATA = 8192;
/** A stream catches up at most this much audio after a stall; older frames are dropped (counted). */
const MAX_CATCH_UP_MS = 5000;
/**
 * libwsc buffers without bound when the server reads slowly; the simulator
 * stops at this many unsent bytes per stream and drops frames (counted).
 */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export type MixType = "mono" | "mixed" | "stereo";

/** A file written for a streamAudio message (`<temp_dir>/<uuid>_<n>.tmp.<ext>`), kept in memory. */
export interface SimTempFile {
  bytes: Uint8Array;
  ext: string;
  /** For raw audio: the sample rate its extension names. */
  sampleRate: number | undefined;
}

class AudioStreams {
  readonly streams = new Map<string, AudioStream>();
  readonly clock = new MediaClock();
  readonly tempFiles = new Map<string, SimTempFile>();
}

const registries = new WeakMap<SwitchCore, AudioStreams>();

function registry(core: SwitchCore): AudioStreams {
  let r = registries.get(core);
  if (!r) registries.set(core, (r = new AudioStreams()));
  return r;
}

/** A file mod_audio_stream wrote for a streamAudio message and has not deleted yet. */
export function audioStreamTempFile(core: SwitchCore, path: string): SimTempFile | undefined {
  return registries.get(core)?.tempFiles.get(path);
}

/** Fire a mod_audio_stream CUSTOM event: Event-Subclass first, the channel data, the JSON body. */
function fireStreamEvent(core: SwitchCore, ch: Channel, subclass: string, body: string): void {
  if (!core.wants("CUSTOM", ch.uuid)) {
    core.skipSequence();
    return;
  }
  const ev = core.newEvent("CUSTOM", SITE, subclass);
  // switch_event_create_subclass adds Event-Subclass before Event-Name (plain: `Event-Subclass: mod_audio_stream%3A%3Aconnect` first).
  const h = ev.headers;
  const at = h.lastIndexOf("Event-Subclass");
  if (at > 0 && at % 2 === 0) {
    h.splice(at, 2);
    h.unshift("Event-Subclass", subclass);
  }
  ev.uniqueId = ch.uuid;
  ch.appendChannelData(ev, true);
  ev.body = body;
  core.fire(ev);
}

/** switch_channel_get_variable: the channel's variable, else the switch's global one. */
function channelVar(core: SwitchCore, ch: Channel, name: string): string | undefined {
  return ch.getVar(name) ?? core.globals.get(name);
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

/** C atoi: optional sign and leading digits, else 0. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** strtol(value, &end, 10) with *end == '\0': the whole value is a number. */
function strtolWhole(text: string): number | undefined {
  return /^\s*[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

/** STREAM_EXTRA_HEADERS: a JSON object; its string members become upgrade headers. */
function extraHeaders(json: string | undefined): Array<[string, string]> {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return [];
    return Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
  } catch {
    return [];
  }
}

/** cJSON_GetObjectItem compares names case-insensitively. */
function member(obj: Record<string, unknown>, name: string): [string, unknown] | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return [k, v];
  return undefined;
}

const RAW_EXTENSIONS: Readonly<Record<number, string>> = { 8000: ".r8", 16000: ".r16", 24000: ".r24", 32000: ".r32", 48000: ".r48", 64000: ".r64" };
const TYPE_EXTENSIONS: Readonly<Record<string, string>> = { wav: ".wav", mp3: ".mp3", ogg: ".ogg", pcmu: ".pcmu", pcma: ".pcma" };

export interface AudioStreamInfo {
  url: string;
  mix: MixType;
  sampleRate: number;
  /** Milliseconds of audio per binary frame (STREAM_BUFFER_SIZE, default 20). */
  frameMs: number;
  metadata: string | undefined;
  /** The WebSocket is open (not connecting, not closed by the server). */
  connected: boolean;
  paused: boolean;
  /** Binary frames handed to the WebSocket so far. */
  framesSent: number;
  /** Frames not sent: the server read too slowly, or the process stalled for more than 5 s. */
  framesDropped: number;
}

class AudioStream {
  readonly client: LibwscClient;
  /** When the media bug was added: frame k holds the audio of [t0 + k·frameMs, t0 + (k+1)·frameMs). */
  private readonly t0 = performance.now();
  private framesDue = 0;
  framesSent = 0;
  framesDropped = 0;
  paused = false;
  private cleanedUp = false;
  private readonly files = new Set<string>();
  private playFile = 0;
  private readonly packets: number;
  private readonly frameBytes: number;
  private readonly media: ChannelMedia;

  constructor(
    private readonly core: SwitchCore,
    private readonly ch: Channel,
    readonly url: string,
    readonly mix: MixType,
    readonly sampleRate: number,
    readonly metadata: string | undefined,
  ) {
    this.media = simMedia(core).of(ch);
    // STREAM_BUFFER_SIZE: a multiple of 20 ms, 20 or more (else 20).
    const buffer = channelVar(core, ch, "STREAM_BUFFER_SIZE");
    const size = buffer === undefined ? 20 : atoi(buffer);
    this.packets = size % 20 === 0 && size >= 20 ? size / 20 : 1;
    this.frameBytes = (sampleRate / 50) * 2 * (mix === "stereo" ? 2 : 1) * this.packets;
    // STREAM_HEART_BEAT: strtol of the whole value; unset or not a number: no PING (the real module reads an uninitialised int).
    const heartBeat = strtolWhole(channelVar(core, ch, "STREAM_HEART_BEAT") ?? "");
    this.client = new LibwscClient(
      url,
      {
        ...(heartBeat !== undefined && heartBeat > 0 ? { pingIntervalS: heartBeat } : {}),
        extraHeaders: extraHeaders(channelVar(core, ch, "STREAM_EXTRA_HEADERS")),
      },
      {
        onOpen: () => this.onOpen(),
        onError: (code, message) => this.onError(code, message),
        onClose: (code, reason) => this.onClose(code, reason),
        onText: (text) => this.onText(text),
      },
    );
  }

  get frameMs(): number {
    return FRAME_MS * this.packets;
  }

  info(): AudioStreamInfo {
    return {
      url: this.url,
      mix: this.mix,
      sampleRate: this.sampleRate,
      frameMs: this.frameMs,
      metadata: this.metadata,
      connected: this.client.isOpen,
      paused: this.paused,
      framesSent: this.framesSent,
      framesDropped: this.framesDropped,
    };
  }

  start(): void {
    registry(this.core).clock.add(this);
    this.client.connect();
  }

  /** The shared clock: send every frame whose audio has been captured by `now`. */
  pump(now: number): void {
    if (this.cleanedUp) return;
    const due = Math.floor((now - this.t0) / this.frameMs);
    if (due <= this.framesDue) return;
    let from = this.framesDue;
    this.framesDue = due;
    const maxBehind = Math.ceil(MAX_CATCH_UP_MS / this.frameMs);
    if (due - from > maxBehind) {
      if (!this.paused && this.client.isConnected()) this.framesDropped += due - maxBehind - from;
      from = due - maxBehind;
    }
    // Paused (switch_core_media_bug_flush, audio_paused): the audio is discarded.
    // Not connected (an error, or the server's CLOSE): writeBinary returns.
    if (this.paused || !this.client.isConnected()) return;
    for (let k = from; k < due; k++) {
      if (this.client.bufferedBytes > MAX_UNSENT_BYTES) {
        this.framesDropped++;
        continue;
      }
      if (this.client.sendBinary(this.frame(this.t0 + k * this.frameMs))) this.framesSent++;
      else this.framesDropped++;
    }
  }

  /** The binary frame whose audio starts at `t`: packets × 20 ms of L16 (interleaved when stereo). */
  private frame(t: number): Uint8Array {
    if (this.packets === 1) return this.frame20(t);
    const out = new Uint8Array(this.frameBytes);
    const part = this.frameBytes / this.packets;
    for (let p = 0; p < this.packets; p++) out.set(this.frame20(t + p * FRAME_MS), p * part);
    return out;
  }

  private frame20(t: number): Uint8Array {
    const media = this.media;
    const rate = this.sampleRate;
    // SMBF_READ_STREAM: what the far end says.
    const read = media.farEndFrameAt(t, rate);
    if (this.mix === "mono") return l16Bytes(read ?? sharedSilence(rate));
    // SMBF_WRITE_STREAM: what the switch plays to the far end.
    const write = media.botFrameAt(t, rate);
    if (this.mix === "stereo") {
      const r = read ?? sharedSilence(rate);
      const w = write ?? sharedSilence(rate);
      const out = new Int16Array(r.length * 2);
      for (let i = 0; i < r.length; i++) {
        out[2 * i] = r[i]!;
        out[2 * i + 1] = w[i]!;
      }
      return l16Bytes(out);
    }
    // mixed: one side silent → the other as it is; both speaking → summed (and no longer decodable: crosstalk).
    if (!write) return l16Bytes(read ?? sharedSilence(rate));
    if (!read) return l16Bytes(write);
    const out = new Int16Array(read.length);
    for (let i = 0; i < read.length; i++) out[i] = Math.max(-32768, Math.min(32767, read[i]! + write[i]!));
    return l16Bytes(out);
  }

  pause(on: boolean): void {
    this.paused = on;
  }

  sendText(text: string): void {
    // AudioStreamer::writeText: only while connecting (queued) or connected.
    if (this.client.isConnected()) this.client.sendText(text);
  }

  /**
   * stream_session_cleanup: the stream is removed from the channel, its temp
   * files deleted, the optional text sent, callbacks dropped, then the socket
   * closed (CLOSE 1000 "Normal closure"). Resolves when the socket is gone.
   */
  cleanup(text: string | undefined): Promise<void> {
    if (this.cleanedUp) return Promise.resolve();
    this.cleanedUp = true;
    const reg = registry(this.core);
    if (reg.streams.get(this.ch.uuid) === this) reg.streams.delete(this.ch.uuid);
    reg.clock.delete(this);
    for (const f of this.files) reg.tempFiles.delete(f);
    this.files.clear();
    if (text !== undefined) this.sendText(text);
    this.client.clearHandlers();
    return this.client.disconnect();
  }

  // --------------------------------------------------------- libwsc callbacks

  /** The session must still exist for an event (switch_core_session_locate). */
  private get live(): boolean {
    return this.ch.isUp && this.core.channels.get(this.ch.uuid) === this.ch;
  }

  private onOpen(): void {
    if (!this.live) return;
    // send_initial_metadata (only while the bug is attached), then ::connect.
    if (!this.cleanedUp && this.metadata) this.client.sendText(this.metadata);
    fireStreamEvent(this.core, this.ch, EVENT_CONNECT, JSON.stringify({ status: "connected" }));
  }

  private onError(code: number, message: string): void {
    if (!this.live) return;
    fireStreamEvent(this.core, this.ch, EVENT_ERROR, JSON.stringify({ status: "error", message: { code, error: message } }));
    // media_bug_close → SWITCH_ABC_TYPE_CLOSE → stream_session_cleanup: the stream is gone.
    void this.cleanup(undefined);
  }

  private onClose(code: number, reason: string): void {
    if (!this.live) return;
    // The media bug stays attached: start fails and stop succeeds until stop.
    fireStreamEvent(this.core, this.ch, EVENT_DISCONNECT, JSON.stringify({ status: "disconnected", message: { code, reason } }));
  }

  private onText(text: string): void {
    const play = this.processMessage(text);
    if (!this.live) return;
    if (play !== undefined) fireStreamEvent(this.core, this.ch, EVENT_PLAY, play);
    else fireStreamEvent(this.core, this.ch, EVENT_JSON, text);
  }

  /**
   * AudioStreamer::processMessage: a streamAudio message becomes a temp file
   * and the ::play body (data without audioData, plus "file"); anything else
   * (not JSON, another type, a bad streamAudio) returns undefined → ::json.
   */
  private processMessage(text: string): string | undefined {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof root !== "object" || root === null || Array.isArray(root)) return undefined;
    const type = member(root as Record<string, unknown>, "type")?.[1];
    if (type !== "streamAudio") return undefined;
    const dataMember = member(root as Record<string, unknown>, "data");
    const data = dataMember?.[1];
    if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
    const fields = data as Record<string, unknown>;
    const typeValue = member(fields, "audioDataType")?.[1];
    const audioDataType = typeof typeValue === "string" ? typeValue : "";
    const audio = member(fields, "audioData");
    if (!audio || typeof audio[1] !== "string") return undefined;
    const rateValue = member(fields, "sampleRate")?.[1];
    const sampleRate = typeof rateValue === "number" ? Math.trunc(rateValue) : 0;
    let ext: string | undefined;
    if (audioDataType === "raw") ext = RAW_EXTENSIONS[sampleRate];
    else ext = TYPE_EXTENSIONS[audioDataType];
    if (!ext) return undefined;
    const bytes = new Uint8Array(Buffer.from(audio[1], "base64"));
    const path = `${TEMP_DIR}/${this.ch.uuid}_${this.playFile++}.tmp${ext}`;
    registry(this.core).tempFiles.set(path, { bytes, ext: ext.slice(1), sampleRate: audioDataType === "raw" ? sampleRate : undefined });
    this.files.add(path);
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) if (k !== audio[0]) body[k] = v;
    body.file = path;
    return JSON.stringify(body);
  }
}

function startStream(core: SwitchCore, ch: Channel, url: string, mix: MixType, sampleRate: number, metadata: string | undefined): string {
  const reg = registry(core);
  // start_capture: one bug per channel ("bug already attached!").
  if (reg.streams.has(ch.uuid)) return FAILED;
  // switch_channel_pre_answer: an unanswered channel gets early media first.
  if (!ch.isUp) return FAILED;
  markPreAnswered(core, ch);
  const stream = new AudioStream(core, ch, url, mix, sampleRate, metadata);
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
  return registries.get(core)?.streams.get(uuid)?.info();
}

/** The switch shuts down: every stream closes (CLOSE 1000) and the clock stops. */
export async function stopAudioStreams(core: SwitchCore): Promise<void> {
  const reg = registries.get(core);
  if (!reg) return;
  const closing = [...reg.streams.values()].map((s) => s.cleanup(undefined));
  reg.clock.stop();
  await Promise.all(closing);
}
