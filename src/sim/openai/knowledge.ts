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
  "the a an and or of to for in on at is are was be do does did you your yours our we i me my it its this that what when where how which who can could would will with about have has any there their please tell know".split(
    " ",
  ),
);
const INSTRUCTION_KEY = /instruction|rule|prompt|task|role|note|system|internal|secret|policy|guideline|persona|style|tone|tool|function/i;

function stem(w: string): string {
  return w.replace(/(ing|ed|es|s)$/, "");
}

export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) if (w.length >= 3 && !STOP.has(w)) out.add(stem(w));
  return out;
}

export function factsOf(system: string): Fact[] {
  const facts: Fact[] = [];
  const lines = system.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim().replace(/^[-*•]\s*/, "");
    const q = line.match(/^Q:\s*(.+)$/i);
    const a = lines[i + 1]?.trim().match(/^A:\s*(.+)$/i);
    if (q && a) {
      facts.push({ key: q[1]!, answer: a[1]! });
      i++;
      continue;
    }
    const kv = line.match(/^([A-Z][\w /&'’()-]{1,40}):\s*(.{2,})$/);
    if (kv && !INSTRUCTION_KEY.test(kv[1]!)) facts.push({ key: kv[1]!, answer: `${kv[1]!}: ${kv[2]!.replace(/\.?\s*$/, ".")}` });
  }
  return facts;
}

/** The fact that shares the most words with the question (the key counts double); null below two points. */
export function answerFromFacts(question: string, system: string): string | null {
  const asked = contentWords(question);
  let best: { score: number; fact: Fact } | null = null;
  for (const fact of factsOf(system)) {
    let score = 0;
    for (const w of contentWords(fact.key)) if (asked.has(w)) score += 2;
    for (const w of contentWords(fact.answer)) if (asked.has(w)) score += 1;
    if (score >= 2 && (!best || score > best.score)) best = { score, fact };
  }
  return best?.fact.answer ?? null;
}
