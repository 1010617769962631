/**
 * Where each word of an utterance sits in its audio. The simulated caller's
 * frames carry the whole utterance text (src/sim/speech-audio.ts); the words
 * are spread evenly over the utterance's frames, so a word is audible once the
 * frames up to its end have arrived.
 */

export interface WordSlot {
  /** Deepgram's `word`: lower case, no surrounding punctuation. */
  word: string;
  /** Deepgram's `punctuated_word`: the word as written. */
  punctuated: string;
  /** First and last frame (utterance-relative) that carry the word. */
  firstFrame: number;
  lastFrame: number;
  /** Seconds from the utterance's first frame. */
  startSec: number;
  endSec: number;
  confidence: number;
}

/** `I'd` → `i'd`, `ten,` → `ten`, `—` → "" (not a word). */
export function normaliseWord(token: string): string {
  return token
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+/u, "")
    .replace(/[^\p{L}\p{N}]+$/u, "");
}

export function wordSlots(text: string, frameCount: number, frameSec: number): WordSlot[] {
  const tokens = text.split(/\s+/).filter((t) => normaliseWord(t) !== "");
  const n = tokens.length;
  if (n === 0) return [];
  const durationSec = frameCount * frameSec;
  return tokens.map((token, i) => {
    const firstFrame = Math.floor((i * frameCount) / n);
    const lastFrame = Math.max(firstFrame, Math.ceil(((i + 1) * frameCount) / n) - 1);
    const slot = durationSec / n;
    // A word fills most of its slot; the rest is the gap before the next one.
    const startSec = i * slot;
    return {
      word: normaliseWord(token),
      punctuated: token,
      firstFrame,
      lastFrame,
      startSec,
      endSec: startSec + slot * 0.85,
      confidence: wordConfidence(token, i),
    };
  });
}

/** A stable confidence in [0.90, 0.999]: the same words always score the same. */
function wordConfidence(token: string, index: number): number {
  let h = 2166136261 ^ index;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619);
  return 0.9 + ((h >>> 0) % 1000) / 10_100;
}
