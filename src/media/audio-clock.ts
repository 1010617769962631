/**
 * The audio clock of one stream: how many seconds of audio the recogniser has
 * been given, and when (performance.now()) each piece of it arrived.
 *
 * A recogniser stamps words in seconds of the audio *it received* (Deepgram's
 * `start`/`duration` count from its stream's first byte). So the clock counts
 * frames delivered to the sink, not frames received: a shed frame never reached
 * the recogniser and must not stretch its timeline, and a new sink (a new
 * recogniser stream) starts a new timeline at 0 (reset()).
 *
 * monotonicAt(sec) answers "when, on our clock, was the caller saying what is
 * at `sec`": the arrival time of the frame holding that sample, less the audio
 * that follows the sample in that frame (the frame's end arrived last). For a
 * word's end time that is when the caller stopped speaking, as seen here — the
 * start of the voice-to-voice latency.
 *
 * Memory is bounded: a ring of the last `capacity` frames (16 bytes each), so
 * times older than the window answer undefined. The default, 1500 frames
 * (24 KB), is 30 s of 20 ms frames — far more than a final transcript lags the
 * words it stamps.
 */

export class AudioClock {
  private readonly endSample: Float64Array;
  private readonly arrivedAt: Float64Array;
  /** Index of the next write; entries [head-count, head) are valid, oldest first. */
  private head = 0;
  private count = 0;
  /** First sample still covered by the ring. */
  private oldestStart = 0;
  private samples = 0;

  constructor(
    readonly sampleRate: number,
    readonly capacity = 1500,
    /** L16 mono: 2 bytes a sample. */
    private readonly bytesPerSample = 2,
  ) {
    if (!(sampleRate > 0) || !Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`AudioClock: bad sampleRate ${sampleRate} or capacity ${capacity}`);
    }
    this.endSample = new Float64Array(capacity);
    this.arrivedAt = new Float64Array(capacity);
  }

  /** Seconds of audio on this timeline so far. */
  get audioSec(): number {
    return this.samples / this.sampleRate;
  }

  /** `bytes` of audio were handed to the recogniser; their last sample arrived at `arrivedAt`. */
  advance(bytes: number, arrivedAt: number): void {
    const n = Math.floor(bytes / this.bytesPerSample);
    if (n <= 0) return;
    if (this.count === this.capacity) {
      // Overwriting the oldest entry: its end becomes the oldest start still covered.
      this.oldestStart = this.endSample[this.head]!;
    } else {
      this.count++;
    }
    this.samples += n;
    this.endSample[this.head] = this.samples;
    this.arrivedAt[this.head] = arrivedAt;
    this.head = (this.head + 1) % this.capacity;
  }

  /** performance.now() at which the audio at `audioSec` was spoken, as seen here; undefined outside the window. */
  monotonicAt(audioSec: number): number | undefined {
    if (!Number.isFinite(audioSec) || this.count === 0) return undefined;
    const sample = audioSec * this.sampleRate;
    if (sample < this.oldestStart || sample > this.samples) return undefined;
    // Binary search, oldest→newest, for the first frame whose end reaches the sample.
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.endSample[this.slot(mid)]! >= sample) hi = mid;
      else lo = mid + 1;
    }
    const i = this.slot(lo);
    const after = this.endSample[i]! - sample;
    return this.arrivedAt[i]! - (after / this.sampleRate) * 1000;
  }

  /** A new timeline at 0 (a new recogniser stream). */
  reset(): void {
    this.head = 0;
    this.count = 0;
    this.oldestStart = 0;
    this.samples = 0;
  }

  /** Ring slot of the k-th oldest entry. */
  private slot(k: number): number {
    return (this.head - this.count + k + this.capacity) % this.capacity;
  }
}
