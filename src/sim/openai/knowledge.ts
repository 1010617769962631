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

/** The profile's line that says where the business works ("Service area: Alameda and Santa Clara counties"). */
const AREA_KEY = /^(service areas?|areas? served|areas? we serve|coverage area|we serve|serving)$/i;
/** A question about where the business works: "do you install in Santa Clara", "what areas do you cover". */
const ASKS_AREA =
  /\b(?:what|which) (?:areas?|cities|towns|counties|regions?|places)\b|\bservice areas?\b|\bwhere do you (?:serve|work|install|operate|go)\b|\b(?:serve|service|cover|install|work|operate|come out|come|travel|go|available|do installs?)\s+(?:\w+\s+)?(?:in|to|near|around|out to|out in|out by)\s+(?<place>[a-z][\w .'-]{1,40})|\bdo you serve\s+(?<served>[a-z][\w .'-]{1,40})/i;

/** "Santa Clara" said after "in / to / near": the place the caller asks about. */
function placeAsked(question: string): string | null {
  const m = question.match(ASKS_AREA);
  const place = (m?.groups?.place ?? m?.groups?.served)?.replace(/[?.!,]+.*$/, "").replace(/\b(county|counties|area|city|please|too|as well|at all)\b.*$/i, "").trim();
  return place && place.length >= 3 ? place.toLowerCase() : null;
}

/**
 * A question about the service area, answered from the profile's area line: "Yes, we serve …" when the place the
 * caller named is in it, else the area as it stands (no outright "no": the line may not list every town in it).
 */
export function serviceAreaAnswer(question: string, facts: Fact[]): string | null {
  const fact = facts.find((f) => AREA_KEY.test(f.key.trim()));
  if (!fact || !ASKS_AREA.test(question)) return null;
  const area = fact.answer.replace(/^[^:]+:\s*/, "").replace(/\.$/, "");
  const place = placeAsked(question);
  if (place && area.toLowerCase().includes(place)) return `Yes, we serve ${area}.`;
  return `Our service area is ${area}.`;
}
