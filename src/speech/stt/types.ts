/** The speech-to-text port is the core's (machines/ports/speech-to-text.ts); the Deepgram adapter here implements it. */
export type { SpeechToText, SttEvent, SttStream, SttStreamOptions, SttStreamStats, TranscriptWord } from "../../../machines/ports/speech-to-text.ts";
