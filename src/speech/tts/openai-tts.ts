/**
 * OpenAI text-to-speech, played by the switch from a file.
 *
 * `audio.speech.create({model, voice, input, response_format: "pcm"})` returns
 * the fetch Response (node_modules/openai/src/resources/audio/speech.ts sets
 * `__binaryResponse`), whose body is raw 24 kHz 16-bit mono little-endian
 * samples with no header. Saved as `<cacheDir>/<sha256>.r24`, FreeSWITCH's
 * mod_sndfile plays it as is (it maps the raw extensions r8/r16/r24/r32 to
 * their rates and resamples to the channel) — /work/shared/reference/voice-ai.md §3.
 * The body is streamed to disk as it arrives, never held whole in memory.
 *
 * How the switch reaches the file: `play` carries the file's absolute path,
 * and FreeSWITCH opens that path itself. So the cache directory must be the
 * same path on the switch's host:
 *  - runtime and FreeSWITCH on one host: any directory the freeswitch user
 *    can read (e.g. /var/lib/switchboard/tts);
 *  - on different hosts (or containers): a shared directory — NFS, a bind
 *    mount, a shared volume — mounted at the same absolute path on both.
 *    Renames are atomic on one filesystem, so a file FreeSWITCH can open is
 *    always complete.
 * (Serving the directory over HTTP for mod_http_cache is the other way; it
 * needs an http:// play URL, which this engine does not produce.)
 */
import { open } from "node:fs/promises";
import OpenAI from "openai";
import { AudioCache, type AudioCacheStats } from "./audio-cache.ts";
import type { SpeechSynthesis, Utterance, VoiceSpec } from "./types.ts";

export interface OpenAITtsOptions {
  apiKey: string;
  /** Default: the package's (https://api.openai.com/v1); the simulator's baseURL in the embedded default. */
  baseURL?: string;
  /** Absolute directory of the cache; the switch must see it at the same path. */
  cacheDir: string;
  /** When VoiceSpec.model is unset. Default "tts-1". */
  defaultModel?: string;
  /** Bound on the wait for the response headers, ms. Default 15 000. */
  timeoutMs?: number;
  /** A prepared client (tests). */
  client?: OpenAI;
  /** Per fetch, for metrics: time to the first audio byte and to the end. */
  onFetch?: (info: { firstByteMs: number; totalMs: number; bytes: number; ok: boolean }) => void;
}

/** OpenAI's limit on `input` (SpeechCreateParams.input). */
const MAX_INPUT = 4096;

export class OpenAITts implements SpeechSynthesis {
  private readonly client: OpenAI;
  private readonly cache: AudioCache;
  private readonly defaultModel: string;

  constructor(private readonly options: OpenAITtsOptions) {
    this.client =
      options.client ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, timeout: options.timeoutMs ?? 15_000 });
    // ".r24": mod_sndfile's raw 24 kHz format, the rate of OpenAI's pcm.
    this.cache = new AudioCache(options.cacheDir, ".r24");
    this.defaultModel = options.defaultModel ?? "tts-1";
  }

  /** Cache hits and misses (a miss is one request). */
  get stats(): Readonly<AudioCacheStats> {
    return this.cache.stats;
  }

  /** The cache file `prepare` would use for this text and voice. */
  fileFor(text: string, voice: VoiceSpec): string {
    return this.cache.pathFor(this.keyOf(text.trim(), voice));
  }

  async prepare(text: string, voice: VoiceSpec, signal?: AbortSignal): Promise<Utterance> {
    const input = text.trim();
    if (!input) throw new Error("OpenAI TTS: nothing to say");
    if (input.length > MAX_INPUT) throw new Error(`OpenAI TTS: text longer than ${MAX_INPUT} characters`);
    const model = voice.model ?? this.defaultModel;
    const { file, cached } = await this.cache.getOrFill(
      this.keyOf(input, voice),
      (tmp, fillSignal) => this.render(input, voice.voice, model, tmp, fillSignal),
      signal,
    );
    return { kind: "play", file, cached };
  }

  /** SHA-256 of (engine, voice, model, text): what decides the audio. */
  private keyOf(text: string, voice: VoiceSpec): string {
    return AudioCache.key([voice.engine, voice.voice, voice.model ?? this.defaultModel, text]);
  }

  private async render(input: string, voice: string, model: string, tmp: string, signal: AbortSignal): Promise<number> {
    const started = performance.now();
    let firstByteMs = -1;
    let bytes = 0;
    let ok = false;
    try {
      const response = await this.client.audio.speech.create({ model, voice, input, response_format: "pcm" }, { signal, maxRetries: 0 });
      const type = response.headers.get("content-type") ?? "";
      if (type.includes("json") || type.startsWith("text/")) throw new Error(`OpenAI TTS: expected audio, got ${type}`);
      if (!response.body) throw new Error("OpenAI TTS: response without a body");
      const out = await open(tmp, "w");
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          await out.write(chunk);
          bytes += chunk.byteLength;
        }
      } finally {
        await out.close();
      }
      // 16-bit samples: an odd length is a body cut mid-sample.
      if (bytes % 2 !== 0) throw new Error("OpenAI TTS: truncated audio");
      ok = true;
      return bytes;
    } finally {
      this.options.onFetch?.({ firstByteMs, totalMs: performance.now() - started, bytes, ok });
    }
  }
}
