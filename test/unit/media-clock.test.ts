/**
 * The audio clock: recogniser seconds → when the caller said it, on our clock.
 */
import { describe, expect, test } from "bun:test";
import { AudioClock } from "../../src/media/audio-clock.ts";

const FRAME_16K = 640; // 20 ms of L16 mono at 16 kHz

describe("AudioClock", () => {
  test("maps audio seconds to the arrival of the frame holding them, less what follows in the frame", () => {
    const clock = new AudioClock(16000);
    // 50 frames, one per 20 ms, the first arriving at t=1000 ms.
    for (let i = 0; i < 50; i++) clock.advance(FRAME_16K, 1000 + i * 20);
    expect(clock.audioSec).toBeCloseTo(1.0, 9);
    // The end of frame k (audio (k+1)*0.02 s) arrived at 1000 + k*20.
    expect(clock.monotonicAt(0.02)).toBeCloseTo(1000, 6);
    expect(clock.monotonicAt(1.0)).toBeCloseTo(1980, 6);
    // Mid-frame: 10 ms before that frame's end.
    expect(clock.monotonicAt(0.51)).toBeCloseTo(1000 + 25 * 20 - 10, 6);
    expect(clock.monotonicAt(0)).toBeCloseTo(980, 6);
  });

  test("frames arriving in a burst keep their own arrival times", () => {
    const clock = new AudioClock(16000);
    clock.advance(FRAME_16K, 100);
    clock.advance(FRAME_16K, 100.2); // back to back, as the capture's first two frames
    clock.advance(FRAME_16K * 5, 200); // a 100 ms frame (STREAM_BUFFER_SIZE=100)
    expect(clock.monotonicAt(0.04)).toBeCloseTo(100.2, 6);
    expect(clock.monotonicAt(0.14)).toBeCloseTo(200, 6);
    expect(clock.monotonicAt(0.09)).toBeCloseTo(150, 6);
  });

  test("unknown times are undefined: not yet heard, negative, not a number", () => {
    const clock = new AudioClock(8000);
    expect(clock.monotonicAt(0)).toBeUndefined();
    clock.advance(320, 50);
    expect(clock.monotonicAt(0.021)).toBeUndefined();
    expect(clock.monotonicAt(-0.001)).toBeUndefined();
    expect(clock.monotonicAt(Number.NaN)).toBeUndefined();
    expect(clock.monotonicAt(0.02)).toBeCloseTo(50, 6);
  });

  test("memory is a fixed window: times older than it are undefined, recent ones exact", () => {
    const clock = new AudioClock(16000, 100); // 100 frames = 2 s
    for (let i = 0; i < 1000; i++) clock.advance(FRAME_16K, i * 20);
    expect(clock.audioSec).toBeCloseTo(20, 9);
    expect(clock.monotonicAt(17.9)).toBeUndefined();
    expect(clock.monotonicAt(18.0)).toBeCloseTo(899 * 20, 6);
    expect(clock.monotonicAt(20.0)).toBeCloseTo(999 * 20, 6);
    expect(clock.monotonicAt(19.01)).toBeCloseTo(950 * 20 - 10, 6);
  });

  test("reset starts a new timeline at 0 (a new recogniser stream)", () => {
    const clock = new AudioClock(16000);
    for (let i = 0; i < 10; i++) clock.advance(FRAME_16K, i * 20);
    clock.reset();
    expect(clock.audioSec).toBe(0);
    expect(clock.monotonicAt(0.1)).toBeUndefined();
    clock.advance(FRAME_16K, 5000);
    expect(clock.monotonicAt(0.02)).toBeCloseTo(5000, 6);
  });

  test("an odd byte or an empty frame does not move the clock", () => {
    const clock = new AudioClock(16000);
    clock.advance(1, 10);
    clock.advance(0, 10);
    expect(clock.audioSec).toBe(0);
  });
});
