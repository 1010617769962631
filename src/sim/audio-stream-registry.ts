/**
 * The switch's mod_audio_stream state: one stream per channel, the shared
 * 20 ms clock that paces them, and the temp files streamAudio messages wrote
 * (kept in memory until their stream stops). One registry per simulated switch.
 */

import type { AudioStreamer } from "./audio-streamer.ts";
import { MediaClock } from "./media-clock.ts";
import type { SwitchCore } from "./switch-core.ts";

/** A file written for a streamAudio message (`<temp_dir>/<uuid>_<n>.tmp.<ext>`), kept in memory. */
export interface SimTempFile {
  bytes: Uint8Array;
  ext: string;
  /** For raw audio: the sample rate its extension names. */
  sampleRate: number | undefined;
}

export class AudioStreams {
  readonly streams = new Map<string, AudioStreamer>();
  readonly clock = new MediaClock();
  readonly tempFiles = new Map<string, SimTempFile>();
}

const registries = new WeakMap<SwitchCore, AudioStreams>();

/** The switch's registry, made on first use. */
export function registry(core: SwitchCore): AudioStreams {
  let r = registries.get(core);
  if (!r) registries.set(core, (r = new AudioStreams()));
  return r;
}

/** The switch's registry if a stream was ever started on it. */
export function existingRegistry(core: SwitchCore): AudioStreams | undefined {
  return registries.get(core);
}
