/**
 * Per-turn latency on one clock. Every mark is a monotonic time the runtime
 * stamped (an event's `receivedAt`, a final transcript's `speechEndedAt`, a
 * TTS result's `readyAt`), so the machine reads no clock and differences are
 * meaningful. A mark is null when that step did not happen in the turn.
 */

export interface TurnMarks {
  /** The caller's speech actually ended (the runtime's `speechEndedAt` on the final transcript). */
  endOfSpeech: number | null;
  /** The transcript event that ended the caller's turn arrived. */
  finalTranscript: number | null;
  /** The model's first text or tool call arrived. */
  llmFirstToken: number | null;
  /** The first complete sentence was handed to TTS. */
  firstSentence: number | null;
  /** The first say/play command for the reply was emitted. */
  ttsCommand: number | null;
  /** The call reported the reply's first audio playing. */
  playbackStarted: number | null;
}

export interface TurnLatencies {
  endOfSpeechToFinalMs: number | null;
  finalToFirstTokenMs: number | null;
  firstTokenToFirstSentenceMs: number | null;
  /** Sentence handed to TTS → say/play emitted: the TTS engine's time to first audio (0 for `say`). */
  firstSentenceToTtsCommandMs: number | null;
  ttsCommandToPlaybackMs: number | null;
  /** Final transcript → first say/play command: model, splitter and TTS, the runtime's part of the turn. */
  finalToTtsCommandMs: number | null;
  /** End of the caller's speech (else the final transcript) → the reply's first audio. */
  voiceToVoiceMs: number | null;
}

export function emptyMarks(): TurnMarks {
  return {
    endOfSpeech: null,
    finalTranscript: null,
    llmFirstToken: null,
    firstSentence: null,
    ttsCommand: null,
    playbackStarted: null,
  };
}

function between(from: number | null, to: number | null): number | null {
  if (from === null || to === null) return null;
  return Math.max(0, to - from);
}

export function turnLatencies(marks: TurnMarks): TurnLatencies {
  return {
    endOfSpeechToFinalMs: between(marks.endOfSpeech, marks.finalTranscript),
    finalToFirstTokenMs: between(marks.finalTranscript, marks.llmFirstToken),
    firstTokenToFirstSentenceMs: between(marks.llmFirstToken, marks.firstSentence),
    firstSentenceToTtsCommandMs: between(marks.firstSentence, marks.ttsCommand),
    ttsCommandToPlaybackMs: between(marks.ttsCommand, marks.playbackStarted),
    finalToTtsCommandMs: between(marks.finalTranscript, marks.ttsCommand),
    voiceToVoiceMs: between(marks.endOfSpeech ?? marks.finalTranscript, marks.playbackStarted),
  };
}

/** Set a mark only the first time (the turn's first token, first sentence, …). */
export function markOnce(marks: TurnMarks, name: keyof TurnMarks, at: number | null): TurnMarks {
  if (marks[name] !== null || at === null) return marks;
  return { ...marks, [name]: at };
}
