/**
 * The questions the bot asked: the last one it ended its words with, and
 * whether it asked for a given parameter — in its own wording or in the words
 * any receptionist would use ("Can I get your name?") — so the caller's
 * answer counts for that parameter.
 */
import type { Turn } from "./conversation.ts";
import type { ParamKind } from "./extract.ts";

/** The question the bot ended its last words with ("" when it asked none). */
export function lastQuestion(text: string): string {
  const sentences = text.match(/[^.?!]+[.?!]?/g) ?? [];
  for (let i = sentences.length - 1; i >= 0; i--) if (sentences[i]!.trim().endsWith("?")) return sentences[i]!.trim();
  return "";
}

/** What the bot said right before the caller's turn at `index` ("" when the caller spoke before it, or it said nothing). */
export function botWordsBefore(turns: Turn[], index: number): string {
  for (let i = index - 1; i >= 0; i--) {
    const t = turns[i]!;
    if (t.role === "user") return "";
    if (t.role === "assistant") return t.text;
  }
  return "";
}

/** A yes/no question offering to take a message ("Would you like to leave a message?", "I can take a message… Would that help?"). */
const MESSAGE_OFFER = /\b(leave|take|pass on)\b[^.?!]{0,30}\bmessage\b/i;
const YES_NO = /^(?:\w+,\s*)?(would|do|does|shall|should|can|could|may|is|will)\b/i;

/** Did the bot's words end by offering to take a message? A "yes" to it is a message to take, not the message itself. */
export function offersMessage(botText: string): boolean {
  const q = lastQuestion(botText);
  if (!q || !YES_NO.test(q)) return false;
  if (MESSAGE_OFFER.test(q)) return true;
  // "I can take a message and the office will call you back. Would that help?"
  const sentences = botText.match(/[^.?!]+[.?!]?/g) ?? [];
  const before = sentences.slice(-2, -1)[0] ?? "";
  // "… I can take a message for the doctor. Would you like to leave one?"
  const pointsBack = /\b(that|this|one|it)\b/i.test(q) && q.split(/\s+/).length <= 7;
  return pointsBack && MESSAGE_OFFER.test(before) && !/\b(not|can'?t|cannot|unable to)\s+(?:\w+\s+){0,2}(leave|take)\b[^.?!]{0,30}\bmessage\b/i.test(before);
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
      // "Would you like to leave a message?" offers one; it does not ask what it says.
      return !phone && !offersMessage(q) && !/\bname\b/.test(s) && /\b(regarding|about|reason|message|say|concern|help with|for\?|details|which medication|what (is|was) it)\b/.test(s);
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
