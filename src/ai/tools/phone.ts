/**
 * Phone numbers as callers say them, normalised to E.164 ("+15552347788").
 *
 * Two plans are understood: NANP (+1: the US, Canada and the Caribbean),
 * where a number without a country code is assumed, and any other country
 * when the number starts with +, 00 or 011 (the international prefixes).
 * Digits may come as words ("six one seven, five five five, oh one nine two",
 * "double five"), as a model transcribing speech often leaves them.
 */
import { E164 } from "../../db/schema.ts";

export type PhoneNormalisation = { ok: true; e164: string } | { ok: false; problem: string };

const DIGIT_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  o: "0",
  nought: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
};
const REPEAT_WORDS: Record<string, number> = { double: 2, triple: 3 };
/** Said before an extension: an extension cannot be dialled back from an E.164 number. */
const EXTENSION_WORDS = new Set(["ext", "extension", "x"]);
/** Words that may surround a number without changing it. */
const FILLER_WORDS = new Set(["my", "number", "is", "it's", "its", "the", "phone", "cell", "mobile", "at", "on", "call", "me", "dash", "and", "area", "code"]);

/** NANP: NPA (area code) and NXX (exchange) start with 2–9; N11 codes (211…911) are services, not area codes. */
const NANP = /^([2-9])(?!11)\d\d[2-9]\d{6}$/;

/** Digits (and a leading +) from what the caller said, or a problem. */
function digitsOf(spoken: string): { plus: boolean; digits: string } | { problem: string } {
  const tokens = spoken
    // "+49 (0)30 …": the bracketed trunk 0 is dialled only from inside the country.
    .replace(/\(0\)/g, " ")
    .toLowerCase()
    .replace(/[()\-./,;:]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  let plus = false;
  let digits = "";
  let repeat = 1;
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    if (token === "plus" || token === "+") {
      if (digits === "") plus = true;
      continue;
    }
    if (token.startsWith("+")) {
      if (digits === "") plus = true;
      token = token.slice(1);
    }
    if (EXTENSION_WORDS.has(token) || /^(ext|x)\d+$/.test(token)) {
      return { problem: "it has an extension; ask for a number that reaches the caller directly" };
    }
    if (/^\d+$/.test(token)) {
      digits += token.repeat(repeat);
      repeat = 1;
    } else if (token in DIGIT_WORDS) {
      digits += DIGIT_WORDS[token]!.repeat(repeat);
      repeat = 1;
    } else if (token in REPEAT_WORDS) {
      repeat = REPEAT_WORDS[token]!;
    } else if (FILLER_WORDS.has(token)) {
      continue;
    } else {
      return { problem: `"${token}" is not part of a phone number` };
    }
  }
  return { plus, digits };
}

/**
 * Normalises a spoken or written phone number to E.164; the problem, when it
 * cannot, is phrased for the model to ask the caller again.
 */
export function normalisePhone(spoken: string): PhoneNormalisation {
  const parsed = digitsOf(spoken);
  if ("problem" in parsed) return { ok: false, problem: parsed.problem };
  let { plus, digits } = parsed;
  if (digits === "") return { ok: false, problem: "there are no digits in it" };
  // International prefixes: 011 from NANP, 00 from most of the world.
  if (!plus && digits.startsWith("011") && digits.length > 10) {
    plus = true;
    digits = digits.slice(3);
  } else if (!plus && digits.startsWith("00") && digits.length > 9) {
    plus = true;
    digits = digits.slice(2);
  }
  if (plus) {
    if (digits.startsWith("1")) return nanp(digits.slice(1));
    if (digits.startsWith("0")) return { ok: false, problem: "a country code never starts with 0" };
    const e164 = `+${digits}`;
    if (!E164.test(e164)) {
      return { ok: false, problem: digits.length > 15 ? "it has too many digits for a phone number" : "it has too few digits for a phone number" };
    }
    return { ok: true, e164 };
  }
  if (digits.length === 11 && digits.startsWith("1")) return nanp(digits.slice(1));
  if (digits.length === 10) return nanp(digits);
  if (digits.length === 7) return { ok: false, problem: "it has no area code" };
  if (digits.length < 10) return { ok: false, problem: `it has only ${digits.length} digits; a US or Canadian number has 10, with the area code` };
  return { ok: false, problem: "it is too long for a US or Canadian number; a number abroad needs its country code after a +" };
}

function nanp(tenDigits: string): PhoneNormalisation {
  if (tenDigits.length !== 10) {
    return { ok: false, problem: `a +1 number has 10 digits after the 1, not ${tenDigits.length}` };
  }
  if (!NANP.test(tenDigits)) {
    return { ok: false, problem: "it is not a valid US or Canadian number (the area code and the next three digits cannot start with 0 or 1)" };
  }
  return { ok: true, e164: `+1${tenDigits}` };
}

/** How a stored number is read back: "(617) 555-0192" for NANP, the E.164 form otherwise. */
export function spokenPhone(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}
