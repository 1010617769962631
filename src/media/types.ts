/**
 * What the caller-audio edge shows the core. Only media/ knows the
 * mod_audio_stream WebSocket (frames, metadata, auth); the runtime sees a sink
 * it binds, typed events, counters and an audio clock.
 */

/**
 * Where a stream's L16 frames go, typically the call's speech-to-text stream
 * (SttStream satisfies this as it is). `sendAudio` must not keep the frame
 * past its own decision unless it is happy to own that memory: the frame is
 * the WebSocket message itself, handed on without a copy.
 */
export interface AudioSink {
  /** true = taken; false = shed (the consumer could not take it now). Never queue without bound. */
  sendAudio(frame: Uint8Array): boolean;
}

/**
 * The first text frame mod_audio_stream sends on open: the `metadata`
 * argument of `uuid_audio_stream … start`, verbatim (mod_audio_stream
 * audio_streamer_glue.cpp send_initial_metadata). Kept as text; `json` is the
 * parsed value when the text is JSON, else undefined.
 */
export interface StreamMetadata {
  text: string;
  json: unknown;
}

/** Frame counts kept per stream (AudioStreamStats) and server-wide (MediaCounters), bumped together. */
export interface FrameCounts {
  /** Binary frames received (all sizes). */
  framesIn: number;
  bytesIn: number;
  /** Frames the sink took. */
  framesDelivered: number;
  /** Frames the sink refused (sendAudio returned false or threw). */
  framesShed: number;
  /** Frames that arrived while no sink was bound. */
  framesUnbound: number;
  /** Frames with an odd byte count: the odd trailing byte was dropped, the rest delivered. */
  framesOddSized: number;
  /** Zero-length binary frames (nothing to deliver). */
  framesEmpty: number;
  /** Text frames after the metadata (the switch sends them only for `send_text` / `stop <text>`). */
  textFramesUnexpected: number;
}

export interface AudioStreamStats extends FrameCounts {
  /** Seconds of audio received on this stream. */
  audioSecReceived: number;
}

/** Events for the call a stream belongs to, as the WebSocket side sees them. */
export type MediaStreamEvent =
  /**
   * The switch's stream authenticated and said something. metadata is its
   * first text frame; null when none came within the grace after the first
   * audio frame (`start` without a metadata argument sends none, as in the
   * capture's /second/ connection). Audio may already have reached the sink.
   */
  | { type: "media.stream_connected"; callId: string; receivedAt: number; metadata: StreamMetadata | null }
  /** The WebSocket closed (either side). The stats are final. */
  | { type: "media.stream_closed"; callId: string; receivedAt: number; code: number; reason: string; stats: AudioStreamStats }
  /** No audio frame for `silentForMs` while connected (a `pause`, a stalled switch). Once per silence. */
  | { type: "media.stream_idle"; callId: string; receivedAt: number; silentForMs: number }
  /** Nobody presented this call's token before it expired: the switch never connected. */
  | { type: "media.stream_expired"; callId: string; receivedAt: number };

export type MediaStreamEventType = MediaStreamEvent["type"];

/** Why an upgrade was refused; each is counted. */
export type StreamRefusalReason =
  /** Not `/audio/<callId>`. */
  | "bad_path"
  /** A plain HTTP request, not a WebSocket upgrade. */
  | "not_websocket"
  /** No stream is expected for this call (not a live call, or released). */
  | "unknown_call"
  | "missing_token"
  | "wrong_token"
  /** The token was right but is past its time. */
  | "expired_token"
  /** The token was already used once. */
  | "reused_token"
  /** An older token for this call, replaced by a newer expect(). */
  | "stale_token"
  | "shutting_down"
  /** Bun could not upgrade the request. */
  | "upgrade_failed";

export const STREAM_REFUSAL_REASONS: readonly StreamRefusalReason[] = [
  "bad_path",
  "not_websocket",
  "unknown_call",
  "missing_token",
  "wrong_token",
  "expired_token",
  "reused_token",
  "stale_token",
  "shutting_down",
  "upgrade_failed",
];
