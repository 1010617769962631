/** Text-to-speech: the port (types.ts), the switch's own speak, OpenAI TTS with its disk cache, and a chooser by engine. */
export type { SpeechSynthesis, Utterance, VoiceSpec } from "./types.ts";
export { SwitchSpeak, FLITE_VOICES } from "./switch-speak.ts";
export { OpenAITts, type OpenAITtsOptions } from "./openai-tts.ts";
export { AudioCache, type AudioCacheStats } from "./audio-cache.ts";
export { SpeechByEngine } from "./by-engine.ts";
