/**
 * One authenticated mod_audio_stream connection, bound to its call: what each
 * WebSocket message means, and where the audio goes. Transport-free (the server
 * hands it messages and a close function), so the protocol is testable alone.
 *
 * Protocol, as the real module speaks it (mod_audio_stream ec2a781, libwsc
 * 09d18e5; ../shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_ws.transcript.txt):
 * - the `start` command's metadata argument, if any, as the first text frame,
 *   sent by the open callback (0.2 ms after the 101 in the capture). Audio the
 *   media bug wrote while the upgrade was pending can come first: libwsc's
 *   isConnected() is already true while CONNECTING, so writeBinary queues, and
 *   the queue is flushed before the open callback runs (libwsc 09d18e5
 *   WebSocketContext::handleRead). So the first text frame is the metadata
 *   whenever it comes, and `media.stream_connected` waits for it — at most
 *   `metadataGraceMs` after the first audio frame (a start without metadata
 *   sends none), while the audio already flows to the sink;
 * - then binary frames of L16 mono at the agreed rate, one per 20 ms (640 B at
 *   16k) — or a multiple of 20 ms with STREAM_BUFFER_SIZE (1600 B per 100 ms at
 *   8k in the capture), or whatever the codec's packet time gives; any even size
 *   is audio. An odd size is not L16: the odd trailing byte is dropped and the
 *   whole samples delivered (each frame starts on a sample, so one bad frame does
 *   not misalign the next), and the frame is counted;
 * - later text frames come only from `send_text` / `stop <text>`, which the
 *   runtime does not use: counted, logged at a bounded rate, skipped;
 * - PING `ping` every STREAM_HEART_BEAT s: Bun answers PONG itself.
 *
 * Frames go to the sink as Bun handed them (a view of the message, no copy).
 * A sink that refuses sheds the frame — counted, never queued here.
 */
import type { Logger } from "../log.ts";
import { AudioClock } from "./audio-clock.ts";
import { zeroFrameCounts, type MediaCounters } from "./media-counters.ts";
import type { ThrottledLog } from "../log-throttle.ts";
import type { AudioSink, AudioStreamStats, FrameCounts, MediaStreamEvent, StreamMetadata } from "./types.ts";

/** How long after the first audio frame `connected` waits for a metadata frame. */
export const DEFAULT_METADATA_GRACE_MS = 100;

export interface StreamBinding {
  /** Samples per second of the L16 frames (the `16k` of the start command). */
  sampleRate: number;
  sink: AudioSink | null;
  onEvent: (event: MediaStreamEvent) => void;
}

export interface StreamTransport {
  close(code: number, reason: string): void;
}

/** Metadata text → kept verbatim, parsed when it is JSON; never throws. */
export function readMetadata(text: string): StreamMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { text, json };
}

export class AudioStream {
  readonly clock: AudioClock;
  metadata: StreamMetadata | null = null;
  private connected = false;
  private metadataSeen = false;
  /** performance.now() of the first audio frame while not yet connected. */
  private firstFrameAt: number | null = null;
  private closed = false;
  private lastFrameAt: number;
  private idleNotified = false;
  private readonly bytesPerSecond: number;
  private readonly stats: AudioStreamStats = { ...zeroFrameCounts(), audioSecReceived: 0 };

  constructor(
    readonly callId: string,
    private readonly binding: StreamBinding,
    private readonly transport: StreamTransport,
    private readonly counters: MediaCounters,
    private readonly warnings: ThrottledLog,
    private readonly log: Logger,
    readonly openedAt: number,
    clockCapacity?: number,
    private readonly metadataGraceMs = DEFAULT_METADATA_GRACE_MS,
  ) {
    this.lastFrameAt = openedAt;
    this.bytesPerSecond = binding.sampleRate * 2;
    this.clock = new AudioClock(binding.sampleRate, clockCapacity);
  }

  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bumps a frame count on this stream and server-wide alike. */
  private count(name: keyof FrameCounts, by = 1): void {
    this.stats[name] += by;
    this.counters[name] += by;
  }

  /** A copy of this stream's counters. */
  snapshot(): AudioStreamStats {
    return { ...this.stats };
  }

  onText(text: string, now: number): void {
    if (this.closed) return;
    if (!this.metadataSeen) {
      this.metadataSeen = true;
      this.metadata = readMetadata(text);
      if (!this.connected) this.connect(now);
      return;
    }
    this.count("textFramesUnexpected");
    // Length only: the text may hold anything, including caller data.
    this.warnings.warn("text_frame", { callId: this.callId, length: text.length }, "media: unexpected text frame after the metadata, skipped");
  }

  onBinary(frame: Uint8Array, now: number): void {
    if (this.closed) return;
    const length = frame.byteLength;
    this.count("framesIn");
    this.count("bytesIn", length);
    if (!this.connected) this.connectWithoutMetadata(now);
    this.lastFrameAt = now;
    this.idleNotified = false;

    let audio = frame;
    if (length & 1) {
      this.count("framesOddSized");
      this.warnings.warn("odd_frame", { callId: this.callId, length }, "media: odd-sized audio frame, trailing byte dropped");
      audio = frame.subarray(0, length - 1);
    }
    if (audio.byteLength === 0) {
      this.count("framesEmpty");
      return;
    }
    this.stats.audioSecReceived += audio.byteLength / this.bytesPerSecond;

    const sink = this.binding.sink;
    if (!sink) {
      this.count("framesUnbound");
      return;
    }
    let taken: boolean;
    try {
      taken = sink.sendAudio(audio);
    } catch (err) {
      taken = false;
      this.warnings.warn("sink_threw", { callId: this.callId, err: String(err) }, "media: audio sink threw; frame shed");
    }
    if (taken) {
      this.count("framesDelivered");
      this.clock.advance(audio.byteLength, now);
    } else {
      this.count("framesShed");
    }
  }

  /** Hand the audio to another sink (or none). A new sink is a new recogniser timeline: the clock restarts at 0. */
  bind(sink: AudioSink | null): void {
    this.binding.sink = sink;
    this.clock.reset();
  }

  /** Housekeeping: a connect still waiting for metadata that did not come, and silence. */
  tick(now: number, idleMs: number): void {
    if (this.closed) return;
    if (!this.connected && this.firstFrameAt !== null) this.connectWithoutMetadata(now);
    if (idleMs > 0) this.checkIdle(now, idleMs);
  }

  /** Emit `media.stream_idle` once per silence of at least `idleMs` while connected. */
  private checkIdle(now: number, idleMs: number): void {
    if (!this.isConnected || this.idleNotified) return;
    const silentForMs = now - this.lastFrameAt;
    if (silentForMs < idleMs) return;
    this.idleNotified = true;
    this.emit({ type: "media.stream_idle", callId: this.callId, receivedAt: now, silentForMs });
  }

  /** Ask the transport to close; the close event follows through onClose. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.transport.close(code, reason);
  }

  onClose(code: number, reason: string, now: number): void {
    if (this.closed) return;
    // Audio came but the grace had not run out: still announce it, so connected/closed pair up.
    if (!this.connected && this.firstFrameAt !== null) this.connect(now);
    this.closed = true;
    this.emit({ type: "media.stream_closed", callId: this.callId, receivedAt: now, code, reason, stats: this.snapshot() });
  }

  /** Audio but no metadata yet: connect once the grace is over (the metadata, if any, comes right after the flushed audio). */
  private connectWithoutMetadata(now: number): void {
    if (this.firstFrameAt === null) this.firstFrameAt = now;
    if (now - this.firstFrameAt >= this.metadataGraceMs) this.connect(now);
  }

  private connect(now: number): void {
    this.connected = true;
    this.emit({ type: "media.stream_connected", callId: this.callId, receivedAt: now, metadata: this.metadata });
  }

  private emit(event: MediaStreamEvent): void {
    try {
      this.binding.onEvent(event);
    } catch (err) {
      this.log.error({ err, callId: this.callId, event: event.type }, "media: stream event handler threw");
    }
  }
}
