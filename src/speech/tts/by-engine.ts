/**
 * One SpeechSynthesis over several engines, chosen per utterance by
 * VoiceSpec.engine ("flite" → the switch's `speak`, "openai" → rendered
 * files), so a conversation's voice setting alone picks the engine.
 */
import type { SpeechSynthesis, Utterance, VoiceSpec } from "./types.ts";

export class SpeechByEngine implements SpeechSynthesis {
  constructor(private readonly engines: Record<string, SpeechSynthesis>) {}

  prepare(text: string, voice: VoiceSpec, signal?: AbortSignal): Promise<Utterance> {
    const engine = this.engines[voice.engine];
    if (!engine) return Promise.reject(new Error(`no TTS engine "${voice.engine}" (configured: ${Object.keys(this.engines).join(", ")})`));
    return engine.prepare(text, voice, signal);
  }
}
