/**
 * What the caller actually heard of an interrupted sentence. FreeSWITCH's
 * PLAYBACK_STOP says how long it played (`playback_ms`) but not which words,
 * so the sentence is cut in proportion, at a word boundary. Pure.
 */

/** Typical telephone TTS pace (~150 words a minute): used when the engine does not say how long a sentence lasts. */
export const SPOKEN_CHARS_PER_SECOND = 14;
/** Even a one-word sentence takes a moment to say. */
const MIN_SPOKEN_MS = 300;

export function estimateSpokenMs(text: string): number {
  return Math.max(MIN_SPOKEN_MS, Math.round((text.trim().length / SPOKEN_CHARS_PER_SECOND) * 1000));
}

export interface HeardSplit {
  heard: string;
  rest: string;
}

/**
 * Split `text` into the part heard in `playedMs` of a sentence that lasts
 * `totalMs` (estimated from its length when unknown) and the part not heard.
 */
export function splitHeard(text: string, playedMs: number, totalMs: number | null = null): HeardSplit {
  const words = text.trim().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return { heard: "", rest: "" };
  const total = totalMs !== null && totalMs > 0 ? totalMs : estimateSpokenMs(text);
  const fraction = Math.min(1, Math.max(0, playedMs / total));
  const count = Math.min(words.length, Math.round(fraction * words.length));
  return { heard: words.slice(0, count).join(" "), rest: words.slice(count).join(" ") };
}
