/**
 * A phone number as callers give it: written ("617-555-0192", "+1 (555)
 * 010 2000") or spoken ("five five five, oh one two three", "double two",
 * "plus one", "twelve thirty four", "eight hundred"). Digits only (with + when
 * said); the tool normalises to E.164.
 */
import type { ExtractContext } from "./extract.ts";

const DIGIT_WORDS: Record<string, string> = {
  zero: "0", oh: "0", o: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
};

const TEENS: Record<string, string> = {
  ten: "10", eleven: "11", twelve: "12", thirteen: "13", fourteen: "14", fifteen: "15", sixteen: "16", seventeen: "17", eighteen: "18", nineteen: "19",
};
const TENS: Record<string, string> = { twenty: "2", thirty: "3", forty: "4", fifty: "5", sixty: "6", seventy: "7", eighty: "8", ninety: "9" };

/** Digits as said: "five five five, double one two three" → "5551123"; "plus one", "twelve thirty four", "eight hundred" too. */
function spokenDigits(text: string): string | null {
  let run = "";
  let best = "";
  let repeat = 1;
  const tokens = text.toLowerCase().replace(/\bplus\b/g, "+").split(/[\s,.-]+/);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const d = DIGIT_WORDS[token] ?? (/^\d+$/.test(token) ? token : undefined);
    if (d !== undefined && !(token === "o" && run === "")) {
      run += d.repeat(repeat);
      repeat = 1;
    } else if (token === "+" && run === "") run = "+";
    else if (token === "double" || token === "triple") repeat = token === "double" ? 2 : 3;
    else if (TEENS[token] && run) run += TEENS[token];
    else if (TENS[token] && run) {
      const unit = DIGIT_WORDS[tokens[i + 1] ?? ""];
      run += TENS[token] + (unit && unit !== "0" ? unit : "0");
      if (unit && unit !== "0") i++;
    } else if ((token === "hundred" || token === "thousand") && run) run += token === "hundred" ? "00" : "000";
    else {
      repeat = 1;
      if (run.replace("+", "").length > best.replace("+", "").length) best = run;
      run = "";
    }
  }
  if (run.replace("+", "").length > best.replace("+", "").length) best = run;
  return best.replace("+", "").length >= 7 ? best : null;
}

/** A phone number as the caller gave it, digits only (with + when said): the tool normalises to E.164. */
export function extractPhone(ctx: ExtractContext): string | undefined {
  for (const text of ctx.texts) {
    for (const m of text.matchAll(/(\+?\d[\d\s().-]{5,}\d)/g)) {
      const digits = m[1]!.replace(/\D/g, "");
      if (digits.length >= 7 && digits.length <= 15) return (m[1]!.startsWith("+") ? "+" : "") + digits;
    }
    const spoken = spokenDigits(text);
    if (spoken && spoken.length <= 15) return spoken;
  }
  return undefined;
}
