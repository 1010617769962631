/**
 * The binary frames mod_audio_stream sends: packets × 20 ms of L16 at the
 * stream's rate, taken from the channel's media (channel-media.ts) — the READ
 * stream (what the far end says) for `mono`, plus the WRITE stream (what the
 * switch plays) for `mixed` (summed) and `stereo` (interleaved). Silence is
 * int16 -1, as the real module sends it.
 */

import { type ChannelMedia, sharedSilence } from "./channel-media.ts";
import { FRAME_MS, l16Bytes } from "./speech-audio.ts";

export type MixType = "mono" | "mixed" | "stereo";

/** The bytes of one binary frame of `packets` × 20 ms. */
export function frameBytesOf(sampleRate: number, mix: MixType, packets: number): number {
  return (sampleRate / 50) * 2 * (mix === "stereo" ? 2 : 1) * packets;
}

/** The binary frame whose audio starts at `t`: packets × 20 ms of L16 (interleaved when stereo). */
export function streamFrame(media: ChannelMedia, t: number, rate: number, mix: MixType, packets: number): Uint8Array {
  if (packets === 1) return frame20(media, t, rate, mix);
  const bytes = frameBytesOf(rate, mix, packets);
  const out = new Uint8Array(bytes);
  const part = bytes / packets;
  for (let p = 0; p < packets; p++) out.set(frame20(media, t + p * FRAME_MS, rate, mix), p * part);
  return out;
}

function frame20(media: ChannelMedia, t: number, rate: number, mix: MixType): Uint8Array {
  // SMBF_READ_STREAM: what the far end says.
  const read = media.farEndFrameAt(t, rate);
  if (mix === "mono") return l16Bytes(read ?? sharedSilence(rate));
  // SMBF_WRITE_STREAM: what the switch plays to the far end.
  const write = media.botFrameAt(t, rate);
  if (mix === "stereo") {
    const r = read ?? sharedSilence(rate);
    const w = write ?? sharedSilence(rate);
    const out = new Int16Array(r.length * 2);
    for (let i = 0; i < r.length; i++) {
      out[2 * i] = r[i]!;
      out[2 * i + 1] = w[i]!;
    }
    return l16Bytes(out);
  }
  // mixed: one side silent → the other as it is; both speaking → summed (and no longer decodable: crosstalk).
  if (!write) return l16Bytes(read ?? sharedSilence(rate));
  if (!read) return l16Bytes(write);
  const out = new Int16Array(read.length);
  for (let i = 0; i < read.length; i++) out[i] = Math.max(-32768, Math.min(32767, read[i]! + write[i]!));
  return l16Bytes(out);
}
