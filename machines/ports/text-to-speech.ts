/**
 * The text-to-speech port, owned by the core (adapters: src/speech/tts/). The
 * switch plays everything a caller hears, so TTS ends in one of two call
 * commands: `say` (FreeSWITCH's own engine, flite) or `play` of a file an
 * engine rendered (OpenAI TTS, cached on disk).
 */

export interface VoiceSpec {
  /** "flite" (FreeSWITCH speak) or "openai". */
  engine: string;
  /** flite: kal, slt, rms, awb; openai: alloy, nova, … */
  voice: string;
  /** openai: tts-1, gpt-4o-mini-tts. */
  model?: string;
}

export type Utterance =
  | { kind: "say"; text: string; engine: string; voice: string }
  | { kind: "play"; file: string; cached: boolean };

export interface SpeechSynthesis {
  /** Turn text into what the call plays. Resolves once the audio exists (or at once for `say`). */
  prepare(text: string, voice: VoiceSpec, signal?: AbortSignal): Promise<Utterance>;
}
