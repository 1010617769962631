/**
 * What a reply sentence is checked for before it is spoken: the bot's
 * instructions read out (a run of SHINGLE_WORDS words that is in an
 * instruction line of its system messages — not a "Label: fact" line — and
 * not in what it is meant to say), internal ids (UUIDs, long hex
 * ids, this conversation's and call's ids), secrets (API-key shapes, the
 * configured keys), and phone numbers that neither the caller nor this
 * conversation's tool results or prompt gave it (another caller's). Local
 * string work: the instruction shingles are built once per model request.
 *
 * Names of other callers are not checked: the model only learns one from a
 * tool result, and the tools are scoped to the caller (caller-appointments.ts).
 */
import type { ChatMessage } from "../../../machines/ports/index.ts";

/** A run of this many words of the instructions, spoken, is a leak. */
export const SHINGLE_WORDS = 8;

export interface LeakMatch {
  /** instructions, internal_id, secret, other_caller_phone */
  rule: string;
}

/** Lower-case words, punctuation dropped, so a leak is found however it is punctuated. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().replace(/[’‘]/g, "'").match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

function shingles(words: readonly string[], into: Set<string>): Set<string> {
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) into.add(words.slice(i, i + SHINGLE_WORDS).join(" "));
  return into;
}

const SPOKEN_DIGITS: Record<string, string> = { zero: "0", oh: "0", o: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9" };

/** The digits of a text in order, spelled ones ("five five five") included: where a number it was given can be found. */
export function digitStream(text: string): string {
  return (text.toLowerCase().match(/[0-9]|[a-z]+/g) ?? []).map((t) => (/^[0-9]$/.test(t) ? t : (SPOKEN_DIGITS[t] ?? ""))).join("");
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
/** A long hex run (a hash, an object id) is never something a receptionist says. */
const HEX_ID = /\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{24,}\b/i;
/** API-key shapes: OpenAI sk-…/sk-proj-…, this API's sk_live_/sk_test_, Stripe-like pk_/rk_, bearer tokens. */
const KEY_SHAPE = /\b(sk|pk|rk)[-_](live_|test_|proj-|sim-)?[A-Za-z0-9_-]{12,}|\bbearer\s+[A-Za-z0-9._~+/-]{16,}/i;
/** A phone number as written: 7+ digits with the usual separators. */
const PHONE = /(?:\+?\d[\s().-]*){7,15}/g;

export interface LeakContext {
  /** Shingles of the system messages, less those of the sayable text. */
  instructions: Set<string>;
  /** Digit streams of everything the conversation was given (caller, tools, prompt, its own replies). */
  knownDigits: string[];
  /** Configured keys that must never be said. */
  secrets: string[];
}

/**
 * A prompt line that states a fact for the bot to tell ("Opening hours: …",
 * "Address: …", "Q: …" / "A: …"): a short label and a colon. Labels that
 * introduce instructions ("Rules:", "Task:", "Current task (node …):") are not facts.
 */
const FACT_LINE = /^\s*[-*•]?\s*([A-Za-z][A-Za-z0-9'&/ -]{0,40}):\s+\S/;
const INSTRUCTION_LABEL = /\b(rules?|instructions?|guidelines?|polic(y|ies)|tasks?|notes?|important|system|role|persona|behaviou?r|style|tone|constraints?|never|always|do not|don't)\b/i;

/** Words that make a prompt line an instruction to the bot rather than something to tell ("We are open …" is not one). */
const INSTRUCTION_MARKER =
  /\b(you|your|you're|yourself|never|always|must|should|do not|don't|instructions?|tasks?|if (asked|the caller)|make sure|ask|collect|offer|confirm|call|use|reveal|keep)\b/i;

/** A prompt line whose words, read out, are a leak: an instruction, not a fact. */
export function isInstructionLine(line: string): boolean {
  return !isFactLine(line) && INSTRUCTION_MARKER.test(line);
}

export function isFactLine(line: string): boolean {
  const m = FACT_LINE.exec(line);
  if (!m) return false;
  const label = m[1]!.trim();
  return label.split(/\s+/).length <= 4 && !INSTRUCTION_LABEL.test(label);
}

/** What one model request's replies are checked against. */
export function leakContext(messages: readonly ChatMessage[], sayable: readonly string[], secrets: readonly string[]): LeakContext {
  const allowed = new Set<string>();
  for (const text of sayable) shingles(wordsOf(text), allowed);
  const instructions = new Set<string>();
  const knownDigits: string[] = [];
  for (const m of messages) {
    const text = m.role === "assistant" ? (m.content ?? "") : m.content;
    if (m.role === "system") {
      // Only the instruction lines: the facts the prompt gives are there to be told.
      for (const line of text.split("\n")) {
        if (!isInstructionLine(line)) continue;
        for (const s of shingles(wordsOf(line), new Set())) if (!allowed.has(s)) instructions.add(s);
      }
    }
    const digits = digitStream(text);
    if (digits.length >= 7) knownDigits.push(digits);
  }
  for (const text of sayable) {
    const digits = digitStream(text);
    if (digits.length >= 7) knownDigits.push(digits);
  }
  return { instructions, knownDigits, secrets: secrets.filter((k) => k.length >= 8) };
}

/** A number the conversation was given: its last seven digits are in something it was told. */
function knownNumber(written: string, known: readonly string[]): boolean {
  const digits = written.replace(/\D/g, "");
  const tail = digits.slice(-7);
  return known.some((k) => k.includes(tail));
}

/**
 * The rule `sentence` breaks, or null. `before` is what this reply said just
 * before it (its last words), so a leak that spans a sentence boundary is caught.
 */
export function leakIn(sentence: string, before: readonly string[], ctx: LeakContext): LeakMatch | null {
  for (const secret of ctx.secrets) if (sentence.includes(secret)) return { rule: "secret" };
  if (KEY_SHAPE.test(sentence)) return { rule: "secret" };
  if (UUID.test(sentence) || HEX_ID.test(sentence)) return { rule: "internal_id" };
  if (ctx.instructions.size > 0) {
    const words = [...before.slice(-(SHINGLE_WORDS - 1)), ...wordsOf(sentence)];
    for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) if (ctx.instructions.has(words.slice(i, i + SHINGLE_WORDS).join(" "))) return { rule: "instructions" };
  }
  for (const m of sentence.matchAll(PHONE)) {
    if (m[0].replace(/\D/g, "").length >= 7 && !knownNumber(m[0], ctx.knownDigits)) return { rule: "other_caller_phone" };
  }
  return null;
}

/** A sentence as the journal may keep it: ids, keys and digits masked, cut short. Never used for an instructions leak. */
export function redacted(text: string, secrets: readonly string[] = [], max = 80): string {
  let masked = text;
  for (const secret of secrets) if (secret.length >= 8) masked = masked.replaceAll(secret, "[secret]");
  masked = masked
    .replace(new RegExp(UUID.source, "gi"), "[id]")
    .replace(new RegExp(HEX_ID.source, "gi"), "[id]")
    .replace(new RegExp(KEY_SHAPE.source, "gi"), "[secret]")
    .replace(/\d/g, "#");
  return masked.length > max ? `${masked.slice(0, max - 1)}…` : masked;
}
