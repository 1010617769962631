/**
 * Answers from facts in the system prompt, so the offline model can say the
 * opening hours or the address the way a real model reads them from a
 * business profile. Only fact-shaped lines count — `Key: value` and `Q: … / A: …`
 * pairs — and keys that name instructions are skipped, so the simulator never
 * reads its instructions out to a caller.
 */

export interface Fact {
  key: string;
  answer: string;
}

const STOP = new Set(
  "the a an and or of to for in on at is are was be do does did you your yours our we i me my it its this that what when where how which who can could would will with about have has any there their please tell know guys like get just want need".split(
    " ",
  ),
);
/** Keys that are instructions to the model, not facts for the caller. */
const INSTRUCTION_KEY =
  /keyword|instruction|rule|prompt|task|role|note|system|internal|secret|policy|guideline|persona|style|tone|tool|function|blocked|avoid|transfer|target|emergenc|safety|never|always|must|profile|faq|greet/i;

/** Words a caller uses for what a profile calls otherwise: each maps to a shared token. */
const SYNONYMS: Array<[RegExp, string]> = [
  [/^(where|located|location|locat|direction|directions|find|address|addres|office|clinic|situated)$/, "address"],
  [/^(hour|hours|open|opening|close|closed|closing)$/, "hours"],
  [/^(kid|kids|child|children|son|daughter|toddler|baby|pediatric)$/, "child"],
  [/^(price|prices|cost|costs|much|fee|fees|charge|expensive|cheap|rate|rates)$/, "price"],
  [/^(insurance|insured|plan|plans|coverage|covered|cover|ppo|hmo)$/, "insurance"],
  [/^(park|parking)$/, "parking"],
  [/^(phone|number|call)$/, "phone"],
  [/^(saturday|saturdays|sunday|sundays|weekend|weekends)$/, "weekend"],
];

const TOPICS = new Set(SYNONYMS.map(([, c]) => c));

function stem(w: string): string {
  return w.replace(/(ing|ed|es|s)$/, "");
}

function token(w: string): string {
  for (const [re, canonical] of SYNONYMS) if (re.test(w)) return canonical;
  return stem(w);
}

export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().replace(/['’]s\b/g, "").match(/[a-z0-9$]+/g) ?? []) {
    const t = token(w);
    if (SYNONYMS.some(([, c]) => c === t)) out.add(t);
    else if (w.length >= 3 && !STOP.has(w)) out.add(t);
  }
  return out;
}

/** "- **Key:** value" → "Key: value". */
export function plainLine(line: string): string {
  return line
    .trim()
    .replace(/^(?:[-*•]|\d+[.)])\s+/, "")
    .replace(/\*\*|__/g, "")
    .replace(/^#+\s*/, "")
    .trim();
}

export function factsOf(system: string): Fact[] {
  const facts: Fact[] = [];
  const lines = system.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = plainLine(lines[i]!);
    const q = line.match(/^Q(?:uestion)?\s*[:.]\s*(.+)$/i);
    const a = plainLine(lines[i + 1] ?? "").match(/^A(?:nswer)?\s*[:.]\s*(.+)$/i);
    if (q && a) {
      // "Keywords: insurance, PPO" under an answer: more words that point to it.
      const keywords = plainLine(lines[i + 2] ?? "").match(/^Keywords?\s*:\s*(.+)$/i);
      facts.push({ key: keywords ? `${q[1]!} ${keywords[1]!.replace(/,/g, " ")}` : q[1]!, answer: a[1]! });
      i += keywords ? 2 : 1;
      continue;
    }
    const kv = line.match(/^([A-Z][\w /&'’()-]{1,40}):\s*(.{2,})$/);
    if (kv && !INSTRUCTION_KEY.test(kv[1]!)) facts.push({ key: kv[1]!, answer: `${kv[1]!}: ${kv[2]!.replace(/\.?\s*$/, ".")}` });
  }
  return facts;
}

/** The fact that shares the most words with the question (the key counts double); null below `min` points. */
export function answerFromFacts(question: string, system: string, min = 2): string | null {
  return bestFact(question, factsOf(system), min);
}

export function bestFact(question: string, facts: Fact[], min = 2): string | null {
  const asked = contentWords(question);
  let best: { score: number; fact: Fact } | null = null;
  for (const fact of facts) {
    let score = 0;
    const key = contentWords(fact.key);
    // A topic word ("hours" for open/opening/hours) says more than any other word.
    for (const w of key) if (asked.has(w)) score += TOPICS.has(w) ? 3 : 2;
    for (const w of contentWords(fact.answer)) if (asked.has(w) && !key.has(w)) score += 1;
    if (score >= min && (!best || score > best.score)) best = { score, fact };
  }
  return best?.fact.answer ?? null;
}
