/**
 * The questions the bot asked: the last one it ended its words with, and
 * whether it asked for a given parameter — in its own wording or in the words
 * any receptionist would use ("Can I get your name?") — so the caller's
 * answer counts for that parameter.
 */
import type { ParamKind } from "./extract.ts";

/** The question the bot ended its last words with ("" when it asked none). */
export function lastQuestion(text: string): string {
  const sentences = text.match(/[^.?!]+[.?!]?/g) ?? [];
  for (let i = sentences.length - 1; i >= 0; i--) if (sentences[i]!.trim().endsWith("?")) return sentences[i]!.trim();
  return "";
}

/** Did that question ask for this parameter? Its own wording, or the words any receptionist would use. */
export function askedFor(q: string, kind: ParamKind, param: string, own: string): boolean {
  if (!q) return false;
  if (q.includes(own)) return true;
  const s = q.toLowerCase();
  const phone = /\b(number|phone|reach you|call you back)\b/.test(s);
  switch (kind) {
    case "name":
      return /\bname\b|\bwho (am i|is) (speaking|calling)\b/.test(s);
    case "phone":
      return phone;
    case "date":
    case "old_date":
    case "new_date":
      return !phone && /\b(day|date|when)\b/.test(s);
    case "time":
    case "old_time":
    case "new_time":
      return !phone && /\b(time|when)\b/.test(s);
    case "datetime":
      return !phone && /\b(day|date|time|when)\b/.test(s);
    case "email":
      return /e-?mail/.test(s);
    case "text":
      return !phone && !/\bname\b/.test(s) && /\b(regarding|about|reason|message|say|concern|help with|for\?|details|which medication|what (is|was) it)\b/.test(s);
    case "department":
      return /\b(department|who would you like|which team|speak (to|with)|talk to)\b/.test(s);
    case "service":
      return /\b(service|treatment|what (kind|type|sort) of|what for|what is the (visit|appointment) for)\b/.test(s);
    default: {
      const words = param.toLowerCase().split(/[_\W]+/).filter((w) => w.length >= 3);
      return words.some((w) => s.includes(w));
    }
  }
}
