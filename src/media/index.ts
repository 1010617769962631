/**
 * media/: the caller-audio edge. mod_audio_stream connects here with a call's
 * L16 audio; the runtime expects each stream, binds a sink (speech-to-text),
 * hears typed events, and reads the audio clock. See media-server.ts.
 */
export { MediaServer, type ExpectStreamOptions, type ExpectedStreamGrant, type MediaServerOptions } from "./media-server.ts";
export { AudioClock } from "./audio-clock.ts";
export { createMediaCounters, totalRefused, type MediaCounters } from "./media-counters.ts";
export {
  AUDIO_STREAM_EVENT_SUBSCRIPTION,
  AUDIO_STREAM_SUBCLASSES,
  AUDIO_STREAM_SUBCLASS,
  LIBWSC_ERROR_CODES,
  mapAudioStreamEvent,
  type AudioStreamSwitchEvent,
  type MediaLossReason,
} from "./audio-stream-events.ts";
export { STREAM_PATH_PREFIX, parseStreamTarget, streamUrl } from "./stream-url.ts";
export type {
  AudioSink,
  AudioStreamStats,
  MediaStreamEvent,
  MediaStreamEventType,
  StreamMetadata,
  StreamRefusalReason,
} from "./types.ts";
