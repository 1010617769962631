/**
 * The playback_* channel variables switch_ivr_play_file sets when a file
 * stops (switch_ivr_play_say.c, FreeSWITCH 1.10):
 *
 *   playback_last_offset_pos = fh->offset_pos   samples PLAYED, at the channel's rate
 *   playback_samples         = fh->samples_in   samples READ from the file, at its own rate
 *   playback_ms              = samples_in / (native_rate / 1000)
 *   playback_seconds         = samples_in / native_rate
 *
 * The loop reads the file FILE_STARTSAMPLES / 2 = 16384 samples at a time
 * into its audio buffer and plays 20 ms frames out of it, reading again only
 * when the buffer holds one frame or less. So when a playback is broken off
 * (uuid_break) or hung up on, playback_ms counts what had been READ — whole
 * 16384-sample chunks (2.048 s at 8 kHz), capped at the file's length — and
 * only playback_last_offset_pos says how much was actually played. A file
 * played to its end reports its length in both.
 */

/** FILE_STARTSAMPLES / 2 (switch_ivr_play_say.c). */
export const FILE_READ_SAMPLES = 16384;
export const FRAME_MS = 20;

export interface PlaybackCounters {
  offsetPos: number;
  samples: number;
  ms: number;
  seconds: number;
}

/**
 * @param lengthMs   the file's length, null for a stream that never ends
 * @param elapsedMs  how long it played (on the switch's scripted clock)
 * @param finished   it played to its end (Playback-Status done, not a break or hangup)
 * @param channelRate the channel's codec rate (the rate frames are played at)
 * @param nativeRate  the file's own rate (defaults to the channel's)
 */
export function playbackCounters(opts: {
  lengthMs: number | null;
  elapsedMs: number;
  finished: boolean;
  channelRate: number;
  nativeRate?: number;
}): PlaybackCounters {
  const channelRate = opts.channelRate;
  const nativeRate = opts.nativeRate ?? channelRate;
  const totalPlayed = opts.lengthMs === null ? Infinity : Math.round((opts.lengthMs * channelRate) / 1000);
  const totalRead = opts.lengthMs === null ? Infinity : Math.round((opts.lengthMs * nativeRate) / 1000);
  let offsetPos: number;
  let samples: number;
  if (opts.finished && opts.lengthMs !== null) {
    offsetPos = totalPlayed;
    samples = totalRead;
  } else {
    const perFrame = (channelRate * FRAME_MS) / 1000;
    // The loop is in iteration k: frames 0..k have been taken from the buffer.
    const k = Math.max(0, Math.floor(opts.elapsedMs / FRAME_MS));
    offsetPos = Math.min(totalPlayed, (k + 1) * perFrame);
    // Reads so far: the first, then one each time the buffer ran down to a frame.
    const reads = Math.floor(((k + 1) * perFrame) / FILE_READ_SAMPLES) + 1;
    samples = Math.min(totalRead, Math.round((reads * FILE_READ_SAMPLES * nativeRate) / channelRate));
  }
  return {
    offsetPos,
    samples,
    ms: Math.floor(samples / (nativeRate / 1000)),
    seconds: Math.floor(samples / nativeRate),
  };
}
