/**
 * The speech-to-text port: one live recognition stream per call. The core owns
 * it; the vendor's wire shapes stay inside the adapter (src/speech/stt/deepgram.ts).
 * Every event carries `receivedAt`, performance.now() when it arrived, so a
 * conversation measures its turns on one clock.
 */

export interface SttStreamOptions {
  /** Sample rate of the L16 frames that will be sent: 16000 (mod_audio_stream `16k`) or 8000. */
  sampleRate: number;
  /** Recognition model, e.g. "nova-3" or "nova-2-phonecall". */
  model: string;
  language: string;
  /** Silence (ms) before the recogniser marks a result speech_final (Deepgram `endpointing`). */
  endpointingMs: number;
  /** Silence (ms) after the last finalised word before an utterance_end (Deepgram `utterance_end_ms`). */
  utteranceEndMs: number;
  /** For logs only. */
  callId: string;
}

export interface TranscriptWord {
  word: string;
  /** Seconds of audio from the start of the stream. */
  startSec: number;
  endSec: number;
  confidence: number;
}

export type SttEvent =
  | { type: "stt.speech_started"; receivedAt: number; audioSec: number }
  | {
      type: "stt.transcript";
      receivedAt: number;
      text: string;
      /** This segment will not change. */
      isFinal: boolean;
      /** The recogniser's endpointing fired: the caller paused. */
      speechFinal: boolean;
      /** Produced because the runtime asked to finalize. */
      fromFinalize: boolean;
      startSec: number;
      durationSec: number;
      confidence: number;
      words: TranscriptWord[];
    }
  | { type: "stt.utterance_end"; receivedAt: number; lastWordEndSec: number }
  /** The stream failed; it is closed. Recovery is the conversation's decision. */
  | { type: "stt.error"; receivedAt: number; message: string }
  | { type: "stt.closed"; receivedAt: number; code: number; reason: string };

export interface SttStreamStats {
  framesSent: number;
  /** Frames dropped because the recogniser's connection could not take them (never buffered without bound). */
  framesShed: number;
  bytesSent: number;
}

export interface SttStream {
  /** Send one L16 frame as it is; false when it was shed (connection slow or not open). */
  sendAudio(frame: Uint8Array): boolean;
  /** Ask the recogniser to flush what it has heard now (Deepgram `Finalize`). */
  finalize(): void;
  /** End the stream politely (Deepgram `CloseStream`), then close. */
  close(): Promise<void>;
  /** Subscribe; returns an unsubscribe. */
  onEvent(handler: (event: SttEvent) => void): () => void;
  readonly stats: SttStreamStats;
}

export interface SpeechToText {
  open(options: SttStreamOptions): Promise<SttStream>;
}
