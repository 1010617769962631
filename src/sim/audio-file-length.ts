/**
 * How long a sound file plays, read from its bytes the way mod_sndfile opens
 * it: a .wav from its RIFF header, the raw formats from their size (.r8 /
 * .raw 8 kHz, .r16, .r24, .r32 at their rates, 16-bit mono; .ul / .al / .PCMU
 * / .PCMA 8 kHz, one byte a sample; .gsm 33 bytes per 20 ms). Other formats
 * (mp3, ogg, …) are not measured: the caller falls back to a default length.
 */

import { closeSync, openSync, readSync, statSync } from "node:fs";

export interface AudioLength {
  lengthMs: number;
  /** The file's own sample rate (fh->native_rate). */
  sampleRate: number;
}

const RAW_RATES: Readonly<Record<string, number>> = { raw: 8000, r8: 8000, r16: 16000, r24: 24000, r32: 32000 };
const BYTE_PER_SAMPLE = new Set(["ul", "ulaw", "al", "alaw", "pcmu", "pcma"]);

/** Length from the size alone, for formats with no header. */
function headerless(ext: string, size: number): AudioLength | undefined {
  const e = ext.toLowerCase();
  const raw = RAW_RATES[e];
  if (raw !== undefined) return { lengthMs: (size / (raw * 2)) * 1000, sampleRate: raw };
  if (BYTE_PER_SAMPLE.has(e)) return { lengthMs: (size / 8000) * 1000, sampleRate: 8000 };
  if (e === "gsm") return { lengthMs: (size / 33) * 20, sampleRate: 8000 };
  return undefined;
}

/** A RIFF/WAVE header: fmt's byte rate and sample rate, data's size (the rest of the file when the size is unset). */
function wavLength(head: Uint8Array, size: number): AudioLength | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const tag = (at: number) => String.fromCharCode(head[at]!, head[at + 1]!, head[at + 2]!, head[at + 3]!);
  if (head.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") return undefined;
  let at = 12;
  let byteRate = 0;
  let sampleRate = 0;
  while (at + 8 <= head.length) {
    const id = tag(at);
    const len = view.getUint32(at + 4, true);
    if (id === "fmt " && at + 16 <= head.length) {
      sampleRate = view.getUint32(at + 12, true);
      byteRate = view.getUint32(at + 16, true);
    } else if (id === "data") {
      if (byteRate <= 0 || sampleRate <= 0) return undefined;
      const available = size - (at + 8);
      const bytes = len === 0 || len === 0xffffffff || len > available ? available : len;
      return { lengthMs: (Math.max(0, bytes) / byteRate) * 1000, sampleRate };
    }
    at += 8 + len + (len & 1);
  }
  return undefined;
}

/** The length of audio held in memory (mod_audio_stream's streamAudio files). */
export function audioLengthOfBytes(bytes: Uint8Array, ext: string): AudioLength | undefined {
  if (ext.toLowerCase() === "wav") return wavLength(bytes, bytes.byteLength);
  return headerless(ext, bytes.byteLength);
}

/** The length of a file on this machine's disk; undefined when it is not there or not measurable. */
export function audioLengthOfFile(path: string, ext: string): AudioLength | undefined {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined;
  }
  if (ext.toLowerCase() !== "wav") return headerless(ext, size);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = new Uint8Array(Math.min(size, 65536));
    readSync(fd, head, 0, head.length, 0);
    return wavLength(head, size);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Does this path exist on this machine's disk as a regular file? */
export function existsOnDisk(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
