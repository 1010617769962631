/**
 * answer_faq: the business's own answer to a caller's question, from the
 * definition's FAQ entries. An entry is scored by the owner's keywords found
 * in the question (strongest), the words it shares with the entry's question,
 * and, weakly, with its answer ("do you take Delta Dental?" finds the
 * insurance entry through its answer). Below the threshold the model is told
 * the FAQ does not cover it, so it answers from the profile or says so.
 */
import type { FaqEntry } from "../../../machines/receptionist/definition.ts";
import { refused, succeeded, type ReceptionistTool } from "./types.ts";

export interface AnswerFaqArgs {
  question: string;
}

const STOPWORDS = new Set(
  (
    "a an the and or but if of to in on at by for with from about as into than then so is are was were be been being am do does did doing " +
    "have has had having i me my we our us you your yours he she it its they them their this that these those there here what which who whom " +
    "whose when where why how can could would should will shall may might must not no yes any some all just also too very really please " +
    "hi hello hey okay ok well um uh like want wanted know tell ask question wondering guys get got go going let lets i'm im you're it's " +
    "there's what's how's don't dont"
  ).split(" "),
);

/** Lower case, accents off, a plural or -ing ending off (cheap stemming: "parking" → "park", "kids" → "kid"). */
function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ses|xes|ches|shes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
  return w;
}

function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .split(/[^a-z0-9$%]+/)
    .filter(Boolean);
}

function tokens(text: string): Set<string> {
  return new Set(words(text).filter((w) => !STOPWORDS.has(w)).map(stem));
}

/** A keyword (one or more words) said in the question, word for word after stemming. */
function said(keyword: string, questionWords: readonly string[]): boolean {
  const k = words(keyword).map(stem);
  if (k.length === 0) return false;
  const q = questionWords.map(stem);
  for (let i = 0; i + k.length <= q.length; i++) if (k.every((w, j) => q[i + j] === w)) return true;
  return false;
}

function shared(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const t of a) if (b.has(t)) n++;
  return n;
}

export interface FaqMatch {
  entry: FaqEntry;
  index: number;
  score: number;
}

/** Below this an entry does not answer the question: one keyword, two words shared with its question, or three with its answer. */
export const FAQ_THRESHOLD = 3;

/** FAQ entries that answer `question`, best first (empty when none reaches the threshold). */
export function matchFaq(question: string, faq: readonly FaqEntry[]): FaqMatch[] {
  const questionWords = words(question);
  const asked = tokens(question);
  const matches: FaqMatch[] = [];
  faq.forEach((entry, index) => {
    const keywordHits = (entry.keywords ?? []).filter((k) => said(k, questionWords)).length;
    const score = 3 * keywordHits + 1.5 * shared(asked, tokens(entry.question)) + shared(asked, tokens(entry.answer));
    if (score >= FAQ_THRESHOLD) matches.push({ entry, index, score });
  });
  return matches.sort((a, b) => b.score - a.score || a.index - b.index);
}

export const answerFaq: ReceptionistTool<AnswerFaqArgs> = {
  name: "answer_faq",
  async run(ctx, args) {
    const matches = matchFaq(args.question, ctx.receptionist.definition.faq);
    if (matches.length === 0) {
      return refused(
        "not_found",
        "That question is not in the FAQ.",
        "Answer from the business profile if it covers it (hours, address, services); otherwise say you don't know and offer to take a message. Never make up an answer.",
        { found: false },
        { found: false, question: args.question },
      );
    }
    const best = matches[0]!;
    // A near tie: the caller may be asking both, so both answers go to the model.
    const also = matches.slice(1).filter((m) => m.score === best.score);
    return succeeded(
      {
        found: true,
        question: best.entry.question,
        answer: best.entry.answer,
        ...(also.length > 0 ? { related: also.map((m) => ({ question: m.entry.question, answer: m.entry.answer })) } : {}),
        next_step: "Answer the caller in your own words from this answer; add nothing it does not say.",
      },
      { found: true, matches: matches.map((m) => ({ index: m.index, question: m.entry.question, score: m.score })) },
    );
  },
};
