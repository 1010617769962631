/**
 * The simulated TTS voice: deterministic, speech-shaped 24 kHz 16-bit audio
 * whose length follows the text (≈ 60 ms a character at speed 1, what a
 * neural voice takes at a conversational pace). Like the simulated callers'
 * speech (../speech-audio.ts), every 20 ms frame also carries a slice of the
 * text it speaks, so a simulated listener can tell what the bot said from the
 * audio alone — no audio, no words.
 *
 * `pcm` is raw samples, s16le, no header — what OpenAI sends for
 * response_format "pcm" and what mod_sndfile plays as `.r24`
 * (/work/shared/reference/voice-ai.md §3). `wav` is the same samples behind a
 * 44-byte RIFF header.
 */
import { createHash } from "node:crypto";
import { decodeSpeechFrame, l16Bytes, l16Samples, samplesPerFrame, speechFrame, UtteranceText } from "../speech-audio.ts";

export const TTS_SAMPLE_RATE = 24_000;
export const BYTES_PER_MS = (TTS_SAMPLE_RATE * 2) / 1000;

/** How long the voice takes to say `text` at `speed` (0.25–4), in whole 20 ms frames. */
export function speechDurationMs(text: string, msPerChar: number, speed = 1): number {
  const ms = Math.max(200, (text.length * msPerChar) / speed);
  return Math.ceil(ms / 20) * 20;
}

function utteranceId(text: string, voice: string): number {
  return createHash("sha256").update(voice).update("\0").update(text).digest().readUInt16BE(0);
}

/** The samples, little-endian bytes (s16le). */
export function renderSpeech(text: string, voice: string, msPerChar: number, speed = 1): Uint8Array {
  const durationMs = speechDurationMs(text, msPerChar, speed);
  const u = { id: utteranceId(text, voice), text, durationMs };
  const perFrame = samplesPerFrame(TTS_SAMPLE_RATE);
  const frames = Math.ceil(durationMs / 20);
  const all = new Int16Array(frames * perFrame);
  for (let i = 0; i < frames; i++) all.set(speechFrame(u, i, TTS_SAMPLE_RATE), i * perFrame);
  // Int16Array is host-endian; every platform Bun runs on is little-endian, as s16le needs.
  return l16Bytes(all);
}

export function wavHeader(dataBytes: number, sampleRate = TTS_SAMPLE_RATE): Uint8Array {
  const h = new DataView(new ArrayBuffer(44));
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => h.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  h.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  h.setUint32(16, 16, true); // fmt chunk size
  h.setUint16(20, 1, true); // PCM
  h.setUint16(22, 1, true); // mono
  h.setUint32(24, sampleRate, true);
  h.setUint32(28, sampleRate * 2, true); // byte rate
  h.setUint16(32, 2, true); // block align
  h.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  h.setUint32(40, dataBytes, true);
  return new Uint8Array(h.buffer);
}

/** The text a rendered utterance speaks, read back from its frames; null when the audio is not the simulator's. */
export function spokenText(pcm: Uint8Array): string | null {
  const samples = l16Samples(pcm);
  const perFrame = samplesPerFrame(TTS_SAMPLE_RATE);
  let text: UtteranceText | null = null;
  for (let at = 0; at + perFrame <= samples.length; at += perFrame) {
    const frame = decodeSpeechFrame(samples.subarray(at, at + perFrame), TTS_SAMPLE_RATE);
    if (!frame) continue;
    text ??= new UtteranceText(frame.utteranceId, frame.textLength);
    text.add(frame);
    if (text.text !== null) return text.text;
  }
  return null;
}
