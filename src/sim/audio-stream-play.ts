/**
 * AudioStreamer::processMessage: a `streamAudio` text message from the
 * WebSocket server becomes a temp file (`<temp_dir>/<uuid>_<n>.tmp.<ext>`)
 * and the `mod_audio_stream::play` body (the message's data without
 * audioData, plus "file"); anything else — not JSON, another type, a bad
 * streamAudio — is no play (the caller fires `::json` with the text).
 */

import { Buffer } from "node:buffer";
import type { SimTempFile } from "./audio-stream-registry.ts";

/** SWITCH_GLOBAL_dirs.temp_dir on the captured switch. */
const TEMP_DIR = "/tmp";

const RAW_EXTENSIONS: Readonly<Record<number, string>> = { 8000: ".r8", 16000: ".r16", 24000: ".r24", 32000: ".r32", 48000: ".r48", 64000: ".r64" };
const TYPE_EXTENSIONS: Readonly<Record<string, string>> = { wav: ".wav", mp3: ".mp3", ogg: ".ogg", pcmu: ".pcmu", pcma: ".pcma" };

/** cJSON_GetObjectItem compares names case-insensitively. */
function member(obj: Record<string, unknown>, name: string): [string, unknown] | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return [k, v];
  return undefined;
}

/** A streamAudio message read: the file to write at `path` and the ::play body naming it. */
export interface StreamAudioPlay {
  path: string;
  file: SimTempFile;
  body: string;
}

/** The play a message asks for, its file the channel's `n`-th; undefined for any other message. */
export function streamAudioPlay(text: string, uuid: string, n: number): StreamAudioPlay | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof root !== "object" || root === null || Array.isArray(root)) return undefined;
  const type = member(root as Record<string, unknown>, "type")?.[1];
  if (type !== "streamAudio") return undefined;
  const dataMember = member(root as Record<string, unknown>, "data");
  const data = dataMember?.[1];
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const fields = data as Record<string, unknown>;
  const typeValue = member(fields, "audioDataType")?.[1];
  const audioDataType = typeof typeValue === "string" ? typeValue : "";
  const audio = member(fields, "audioData");
  if (!audio || typeof audio[1] !== "string") return undefined;
  const rateValue = member(fields, "sampleRate")?.[1];
  const sampleRate = typeof rateValue === "number" ? Math.trunc(rateValue) : 0;
  let ext: string | undefined;
  if (audioDataType === "raw") ext = RAW_EXTENSIONS[sampleRate];
  else ext = TYPE_EXTENSIONS[audioDataType];
  if (!ext) return undefined;
  const bytes = new Uint8Array(Buffer.from(audio[1], "base64"));
  const path = `${TEMP_DIR}/${uuid}_${n}.tmp${ext}`;
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (k !== audio[0]) body[k] = v;
  body.file = path;
  return { path, file: { bytes, ext: ext.slice(1), sampleRate: audioDataType === "raw" ? sampleRate : undefined }, body: JSON.stringify(body) };
}
