/** Speech-to-text: the port (types.ts) and its Deepgram live adapter. */
export type { SpeechToText, SttEvent, SttStream, SttStreamOptions, SttStreamStats, TranscriptWord } from "./types.ts";
export { DeepgramSpeechToText, DeepgramSttStream, type DeepgramSttConfig } from "./deepgram.ts";
