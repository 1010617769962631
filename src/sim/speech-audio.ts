/**
 * Speech-shaped L16 audio that carries its own words, for the simulated world.
 *
 * The simulated switch streams a caller's scripted speech as real 20 ms L16
 * frames (what mod_audio_stream sends); the simulated Deepgram transcribes
 * whatever audio reaches it. Neither knows the other: the words travel *in the
 * audio*. Each speech frame starts with a small header and a slice of the
 * utterance's UTF-8 text, and the rest of the frame is a voiced waveform (a
 * 110–140 Hz glottal tone with harmonics, under a syllable-rate envelope), so
 * level meters and VAD see speech. Silence is int16 -1, as a real FreeSWITCH
 * loopback leg sends it. So: no audio, no transcript — a frame that is dropped,
 * shed or never sent is never transcribed, exactly as with a real recogniser.
 *
 * Frame layout (int16 little-endian samples):
 *   [0] MAGIC_A  [1] MAGIC_B  [2] utterance id  [3] frame index  [4] frame count
 *   [5] text byte length      [6 … 6+TEXT_SLOT) text bytes, slice (index mod slices)
 *   then the waveform.
 */

export const FRAME_MS = 20;
const MAGIC_A = 0x5b7a;
const MAGIC_B = 0x3d1c;
const HEADER = 6;
/** Silence as a FreeSWITCH loopback leg sends it. */
export const SILENCE_SAMPLE = -1;

export function samplesPerFrame(sampleRate: number): number {
  return (sampleRate * FRAME_MS) / 1000;
}

/** Text bytes per frame: a 16 kHz frame has 320 samples, an 8 kHz frame 160. */
function textSlot(sampleRate: number): number {
  return sampleRate >= 16000 ? 64 : 32;
}

export function silenceFrame(sampleRate: number): Int16Array {
  return new Int16Array(samplesPerFrame(sampleRate)).fill(SILENCE_SAMPLE);
}

export interface Utterance {
  /** 0..65535: tells consecutive utterances apart. */
  id: number;
  text: string;
  durationMs: number;
}

/** How many 20 ms frames an utterance lasts (at least one per slice of its text, so every byte is sent). */
export function utteranceFrameCount(u: Utterance, sampleRate: number): number {
  const bytes = new TextEncoder().encode(u.text).length;
  return Math.max(Math.ceil(u.durationMs / FRAME_MS), Math.ceil(bytes / textSlot(sampleRate)), 1);
}

/** Frame `index` of an utterance. */
export function speechFrame(u: Utterance, index: number, sampleRate: number): Int16Array {
  const n = samplesPerFrame(sampleRate);
  const slot = textSlot(sampleRate);
  const text = new TextEncoder().encode(u.text);
  const total = utteranceFrameCount(u, sampleRate);
  const frame = new Int16Array(n);
  frame[0] = MAGIC_A;
  frame[1] = MAGIC_B;
  frame[2] = u.id & 0xffff;
  frame[3] = index & 0xffff;
  frame[4] = total & 0xffff;
  frame[5] = text.length & 0xffff;
  const slices = Math.max(1, Math.ceil(text.length / slot));
  const offset = (index % slices) * slot;
  for (let i = 0; i < slot; i++) frame[HEADER + i] = offset + i < text.length ? text[offset + i]! : 0;
  // Voiced waveform: f0 wanders 110–140 Hz, three harmonics, ~4 Hz syllable envelope.
  const t0 = (index * n) / sampleRate;
  const f0 = 125 + 15 * Math.sin(2 * Math.PI * 0.7 * t0 + u.id);
  for (let i = HEADER + slot; i < n; i++) {
    const t = t0 + i / sampleRate;
    const envelope = 0.35 + 0.65 * Math.abs(Math.sin(2 * Math.PI * 4 * t));
    const voiced = Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(4 * Math.PI * f0 * t) + 0.25 * Math.sin(6 * Math.PI * f0 * t);
    frame[i] = Math.round(4000 * envelope * voiced);
  }
  return frame;
}

export interface DecodedSpeechFrame {
  utteranceId: number;
  index: number;
  frameCount: number;
  textLength: number;
  offset: number;
  bytes: Uint8Array;
}

/** Reads one frame's header; null for silence, noise or anything not made by speechFrame. */
export function decodeSpeechFrame(frame: Int16Array, sampleRate: number): DecodedSpeechFrame | null {
  const slot = textSlot(sampleRate);
  if (frame.length < HEADER + slot || frame[0] !== MAGIC_A || frame[1] !== MAGIC_B) return null;
  const textLength = frame[5]! & 0xffff;
  const index = frame[3]! & 0xffff;
  const slices = Math.max(1, Math.ceil(textLength / slot));
  const offset = (index % slices) * slot;
  const bytes = new Uint8Array(Math.max(0, Math.min(slot, textLength - offset)));
  for (let i = 0; i < bytes.length; i++) bytes[i] = frame[HEADER + i]! & 0xff;
  return { utteranceId: frame[2]! & 0xffff, index, frameCount: frame[4]! & 0xffff, textLength, offset, bytes };
}

/**
 * Puts an utterance's text back together from the frames that arrived; the
 * text is known once every slice has been seen (the first few frames).
 */
export class UtteranceText {
  private readonly buffer: Uint8Array;
  private readonly seen = new Set<number>();
  private covered = 0;
  private decoded: string | null = null;

  constructor(
    readonly utteranceId: number,
    readonly textLength: number,
  ) {
    this.buffer = new Uint8Array(textLength);
  }

  add(frame: DecodedSpeechFrame): void {
    if (this.decoded !== null || this.seen.has(frame.offset)) return;
    this.buffer.set(frame.bytes.subarray(0, this.textLength - frame.offset), frame.offset);
    this.seen.add(frame.offset);
    this.covered += frame.bytes.length;
  }

  /** The whole text, or null while a slice is missing. */
  get text(): string | null {
    if (this.decoded !== null) return this.decoded;
    if (this.covered < this.textLength) return null;
    this.decoded = new TextDecoder().decode(this.buffer);
    return this.decoded;
  }
}

/** An Int16Array view of L16 bytes (little-endian, as mod_audio_stream sends on x86 and ARM); copies only when unaligned. */
export function l16Samples(bytes: Uint8Array): Int16Array {
  const usable = bytes.byteLength - (bytes.byteLength % 2);
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, usable / 2);
  return new Int16Array(bytes.slice(0, usable).buffer);
}

export function l16Bytes(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
