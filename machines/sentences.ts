/**
 * Sentence splitting for streamed model text: the conversation speaks the first
 * complete sentence while the rest is still streaming, so a boundary must be
 * recognised as soon as it is certain and never inside "Dr. Smith", "3.5" or
 * "e.g.". A boundary is only certain once the character after the punctuation
 * is known (whitespace), so "3." waits for the next chunk. Pure functions.
 */

/** A clause this long with no sentence end is spoken anyway: the caller should not wait for a full stop that never comes. */
export const DEFAULT_MAX_SENTENCE_CHARS = 160;

const TERMINALS = new Set([".", "!", "?", "…"]);
/** Closing quotes and brackets that belong to the sentence they end. */
const CLOSERS = new Set(['"', "'", ")", "]", "”", "’", "»"]);
const CLAUSE_BREAKS = /[,;:—–]\s/g;

/** Abbreviations that never end a sentence: a name or a word always follows. */
const NEVER_ENDS = new Set([
  "dr", "mr", "mrs", "ms", "mx", "prof", "st", "sr", "jr", "mt", "ft", "rev", "gen", "capt", "lt", "sgt",
  "e.g", "i.e", "vs", "approx", "dept", "apt", "tel", "ext",
]);
/** Abbreviations that may end a sentence: they do when a capital letter follows. */
const MAY_END = new Set(["etc", "a.m", "p.m", "inc", "ltd", "co", "u.s", "u.k", "jan", "feb", "aug", "sept", "oct", "nov", "dec"]);

export interface SentenceSplit {
  /** Complete sentences, trimmed, in order. */
  sentences: string[];
  /** Text after the last complete sentence: wait for more. */
  rest: string;
}

/** The word the period at `dot` closes, lower-cased, without its final period ("e.g" for "(e.g."). */
function wordBefore(text: string, dot: number): string {
  let start = dot;
  while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
  return text.slice(start, dot).replace(/^[("'“‘[]+/, "").toLowerCase();
}

function nextVisible(text: string, from: number): string | undefined {
  for (let i = from; i < text.length; i++) if (!/\s/.test(text[i]!)) return text[i];
  return undefined;
}

/** Whether the period at `dot` (followed by whitespace, then `after`) ends a sentence. */
function periodEnds(text: string, dot: number, after: number): boolean {
  const word = wordBefore(text, dot);
  if (word === "") return true;
  // A single letter is an initial ("J. Smith"), not a sentence.
  if (/^[a-z]$/.test(word)) return false;
  if (NEVER_ENDS.has(word)) return false;
  if (MAY_END.has(word)) {
    const next = nextVisible(text, after);
    // Unknown yet: wait for the next chunk rather than guess.
    if (next === undefined) return false;
    return next !== next.toLowerCase();
  }
  return true;
}

/**
 * Index just past the first certain sentence end at or after `from`, or -1.
 * `final` says no more text will come, so end-of-text counts as whitespace.
 */
function nextBoundary(text: string, from: number, final: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") return i + 1;
    if (!TERMINALS.has(c)) continue;
    let j = i + 1;
    while (j < text.length && (TERMINALS.has(text[j]!) || CLOSERS.has(text[j]!))) j++;
    if (j === text.length) {
      if (final) return j;
      return -1; // "3." might be "3.5": wait for the next character.
    }
    if (!/\s/.test(text[j]!)) {
      i = j - 1;
      continue;
    }
    if (c === "." && text[i + 1] !== "." && !periodEnds(text, i, j)) {
      i = j - 1;
      continue;
    }
    return j;
  }
  return -1;
}

/** Where to cut an over-long clause: after the last clause break, else the last space, else hard at the cap. */
function capCut(text: string, maxChars: number): number {
  const head = text.slice(0, maxChars);
  let cut = -1;
  for (const m of head.matchAll(CLAUSE_BREAKS)) cut = m.index! + 1;
  if (cut > 0) return cut;
  const space = head.lastIndexOf(" ");
  return space > 0 ? space : maxChars;
}

function split(text: string, maxChars: number, final: boolean): SentenceSplit {
  const sentences: string[] = [];
  let start = 0;
  for (;;) {
    const end = nextBoundary(text, start, final);
    if (end < 0) break;
    const sentence = text.slice(start, end).trim();
    if (sentence !== "") sentences.push(sentence);
    start = end;
  }
  let rest = text.slice(start);
  while (rest.trim().length >= maxChars) {
    const cut = capCut(rest.trimStart(), maxChars);
    const trimmed = rest.trimStart();
    sentences.push(trimmed.slice(0, cut).trim());
    rest = trimmed.slice(cut);
  }
  if (final) {
    if (rest.trim() !== "") sentences.push(rest.trim());
    rest = "";
  }
  return { sentences, rest };
}

/** Take the complete sentences off the front of streamed text; the rest waits for more. */
export function takeSentences(text: string, maxChars = DEFAULT_MAX_SENTENCE_CHARS): SentenceSplit {
  return split(text, maxChars, false);
}

/** The stream ended: everything left is spoken, split where it can be. */
export function flushSentences(text: string, maxChars = DEFAULT_MAX_SENTENCE_CHARS): string[] {
  return split(text, maxChars, true).sentences;
}

/** Words in a transcript, for the barge-in threshold. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}
