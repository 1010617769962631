/**
 * One mod_audio_stream stream (AudioStreamer and its media bug): the libwsc
 * client (ws-client.ts) to the WebSocket server, the channel's audio sent as
 * binary L16 frames at real-time pace on the switch's shared clock, the
 * server's text messages turned into `::play` / `::json` events, and the
 * connection's life as `::connect` / `::disconnect` / `::error` events. The
 * api that starts and stops streams is audio-stream.ts.
 */

import { fireStreamEvent, EVENT_CONNECT, EVENT_DISCONNECT, EVENT_ERROR, EVENT_JSON, EVENT_PLAY } from "./audio-stream-events.ts";
import { type MixType, streamFrame } from "./audio-stream-frames.ts";
import { streamAudioPlay } from "./audio-stream-play.ts";
import { registry } from "./audio-stream-registry.ts";
import type { Channel } from "./channel.ts";
import { type ChannelMedia, simMedia } from "./channel-media.ts";
import { FRAME_MS } from "./speech-audio.ts";
import type { SwitchCore } from "./switch-core.ts";
import { LibwscClient } from "./ws-client.ts";

/** A stream catches up at most this much audio after a stall; older frames are dropped (counted). */
const MAX_CATCH_UP_MS = 5000;
/**
 * libwsc buffers without bound when the server reads slowly; the simulator
 * stops at this many unsent bytes per stream and drops frames (counted).
 */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

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

/** switch_channel_get_variable: the channel's variable, else the switch's global one. */
function channelVar(core: SwitchCore, ch: Channel, name: string): string | undefined {
  return ch.getVar(name) ?? core.globals.get(name);
}

/** C atoi: optional sign and leading digits, else 0. */
export function atoi(text: string): number {
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

export class AudioStreamer {
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
      if (this.client.sendBinary(streamFrame(this.media, this.t0 + k * this.frameMs, this.sampleRate, this.mix, this.packets))) this.framesSent++;
      else this.framesDropped++;
    }
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
    // processMessage: a streamAudio message writes its file (kept until the stream stops) even when no event can go out.
    const play = streamAudioPlay(text, this.ch.uuid, this.playFile);
    if (play) {
      this.playFile++;
      registry(this.core).tempFiles.set(play.path, play.file);
      this.files.add(play.path);
    }
    if (!this.live) return;
    if (play !== undefined) fireStreamEvent(this.core, this.ch, EVENT_PLAY, play.body);
    else fireStreamEvent(this.core, this.ch, EVENT_JSON, text);
  }
}
