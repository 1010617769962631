/**
 * FreeSWITCH's own TTS: the switch speaks the text itself with the `speak`
 * application (mod_flite, `speak flite|kal|text`), so there is nothing to
 * render — `prepare` answers at once and the call actor sends `say`.
 */
import type { SpeechSynthesis, Utterance, VoiceSpec } from "./types.ts";

/** mod_flite's voices (kal is its default). */
export const FLITE_VOICES = ["kal", "slt", "rms", "awb"] as const;

export class SwitchSpeak implements SpeechSynthesis {
  prepare(text: string, voice: VoiceSpec, signal?: AbortSignal): Promise<Utterance> {
    if (signal?.aborted) return Promise.reject(new DOMException("The operation was aborted.", "AbortError"));
    return Promise.resolve({ kind: "say", text, engine: voice.engine || "flite", voice: voice.voice || "kal" });
  }
}
