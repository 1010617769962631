/**
 * The runtime's own emergency trigger: does a final transcript say one of a
 * flow's emergency keywords ("swelling", "chest pain", "can't breathe")?
 *
 * A keyword counts as whole words ("swelling" is not in "unswellingly", "pain"
 * not in "painting"), and a mention the caller explicitly denies does not
 * count: "it's not an emergency", "no swelling", "the swelling went down",
 * "the bleeding stopped". Missing a real emergency is far worse than a false
 * alarm, so a denial has to be explicit and close:
 *
 *  - one of NEGATIONS at most 3 words before the keyword, in the same clause
 *    (no punctuation, "but", "and", "so" between) and with no new subject in
 *    between ("oh no he's bleeding" is no denial: "he's" starts a statement);
 *  - or the mention resolved right after it ("swelling went down", "bleeding
 *    has stopped"), unless that is itself denied ("hasn't stopped", "never
 *    stopped" do not read as resolved: only the plain forms are matched).
 *
 * Any one mention that is not denied is an emergency ("the swelling went down
 * but now it's bleeding a lot"). Pure.
 */

/** Words that deny what follows them (the caller's own denial, close before the keyword). */
const NEGATIONS = new Set(["not", "no", "isn't", "wasn't", "never", "aren't", "weren't", "without"]);

/** Words that start a new statement: a negation before them is about something else ("no, he's bleeding"). */
const NEW_SUBJECT = new Set(["i", "i'm", "im", "he", "he's", "she", "she's", "it", "it's", "they", "they're", "we", "we're", "you", "there", "there's", "theres", "this", "that", "that's", "is", "are", "was", "has", "have"]);

/** Words that end a clause between a negation and the keyword. */
const CLAUSE_BREAK = /[,.;:!?]|\b(?:but|and|so|because|though|although|now)\b/;

/** The mention resolved, said right after it: "went down", "has stopped", "is gone". */
const RESOLVED_AFTER = /^\s+(?:(?:has|have|had|is|was|finally|already|now|just|mostly|pretty much)\s+){0,2}(?:stopped|went down|gone down|gone away|went away|gone|cleared up)\b/;

const WINDOW = 3;

/** Lower case, one kind of apostrophe, single spaces. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, " ");
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The keyword as whole words, any run of spaces between its words. */
function keywordPattern(keyword: string): RegExp | null {
  const words = normalise(keyword).trim().split(" ").filter(Boolean);
  if (words.length === 0) return null;
  return new RegExp(`(?<![\\w'])${words.map(escape).join("\\s+")}(?![\\w'])`, "g");
}

/** Is the mention ending at `end` and starting at `start` denied by the words close around it? */
function denied(said: string, start: number, end: number): boolean {
  if (RESOLVED_AFTER.test(said.slice(end))) return true;
  const before = said.slice(0, start);
  // Only the current clause: a denial across a comma or a "but" is about something else.
  const parts = before.split(CLAUSE_BREAK);
  const words = (parts[parts.length - 1] ?? "").trim().split(" ").filter(Boolean).slice(-WINDOW);
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i]!;
    if (NEGATIONS.has(w)) return true;
    if (NEW_SUBJECT.has(w)) return false;
  }
  return false;
}

/** True when `text` says one of `keywords` (case-insensitive, whole words) in a mention the caller does not deny. */
export function saysEmergencyKeyword(text: string, keywords: readonly string[]): boolean {
  const said = normalise(text);
  for (const keyword of keywords) {
    const pattern = keywordPattern(keyword);
    if (pattern === null) continue;
    for (const m of said.matchAll(pattern)) {
      if (!denied(said, m.index, m.index + m[0].length)) return true;
    }
  }
  return false;
}
