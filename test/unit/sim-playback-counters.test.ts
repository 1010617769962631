/**
 * The playback_* variables of switch_ivr_play_file: a file played to its end
 * reports its length; a broken one reports what was read (16384-sample chunks)
 * in playback_ms and what was played in playback_last_offset_pos.
 */
import { describe, expect, test } from "bun:test";
import { playbackCounters } from "../../src/sim/playback-counters.ts";

describe("playbackCounters", () => {
  test("played to the end: the length in both (capture: 5000 ms → 40000 samples at 8 kHz)", () => {
    expect(playbackCounters({ lengthMs: 5000, elapsedMs: 5003, finished: true, channelRate: 8000 })).toEqual({
      offsetPos: 40000,
      samples: 40000,
      ms: 5000,
      seconds: 5,
    });
  });

  test("broken after 700 ms of a 5 s file: the first 16384-sample read (2048 ms) in playback_ms, 36 frames in the offset", () => {
    expect(playbackCounters({ lengthMs: 5000, elapsedMs: 700, finished: false, channelRate: 8000 })).toEqual({
      offsetPos: 36 * 160,
      samples: 16384,
      ms: 2048,
      seconds: 2,
    });
  });

  test("a short file broken early reports its whole length in playback_ms", () => {
    const c = playbackCounters({ lengthMs: 1500, elapsedMs: 400, finished: false, channelRate: 8000 });
    expect(c.ms).toBe(1500);
    expect(c.offsetPos).toBe(21 * 160);
  });

  test("the second read comes when the buffer is down to a frame (iteration 102 at 8 kHz)", () => {
    expect(playbackCounters({ lengthMs: 10_000, elapsedMs: 101 * 20 + 5, finished: false, channelRate: 8000 }).samples).toBe(16384);
    expect(playbackCounters({ lengthMs: 10_000, elapsedMs: 102 * 20 + 5, finished: false, channelRate: 8000 }).samples).toBe(32768);
  });

  test("a 24 kHz file (.r24) on an 8 kHz channel counts samples at the file's rate", () => {
    const c = playbackCounters({ lengthMs: 6000, elapsedMs: 300, finished: false, channelRate: 8000, nativeRate: 24000 });
    expect(c.samples).toBe(49152);
    expect(c.ms).toBe(2048);
    expect(c.offsetPos).toBe(16 * 160);
    expect(playbackCounters({ lengthMs: 6000, elapsedMs: 6000, finished: true, channelRate: 8000, nativeRate: 24000 })).toMatchObject({
      samples: 144000,
      ms: 6000,
      offsetPos: 48000,
    });
  });
});
