/**
 * Audio frames held while the recogniser's connection is still opening: a
 * small queue bounded in bytes (principle 8: shed, never buffer without
 * bound). Frames are held as given, not copied: the sender must not reuse a
 * frame's memory after handing it over (mod_audio_stream frames arrive as
 * fresh WebSocket messages, so nothing is reused).
 */
export class FrameQueue {
  private frames: Uint8Array[] = [];
  private held = 0;

  constructor(readonly capBytes: number) {}

  get bytes(): number {
    return this.held;
  }

  /** Hold a frame; false (not held) when it would pass the cap. */
  offer(frame: Uint8Array): boolean {
    if (this.held + frame.byteLength > this.capBytes) return false;
    this.frames.push(frame);
    this.held += frame.byteLength;
    return true;
  }

  /** Everything held, oldest first; the queue is empty afterwards. */
  drain(): Uint8Array[] {
    const frames = this.frames;
    this.frames = [];
    this.held = 0;
    return frames;
  }
}
