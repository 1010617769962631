/** The text-to-speech port is the core's (machines/ports/text-to-speech.ts); the engines here implement it. */
export type { SpeechSynthesis, Utterance, VoiceSpec } from "../../../machines/ports/text-to-speech.ts";
