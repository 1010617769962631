/**
 * Appointment slots in the conversation: what an availability check offered
 * (its result, or the times the bot read out), which of them the caller took
 * ("the first one", "eleven thirty works", "yes" to a single offer), and how
 * dates and times are said aloud. The conversation is the only state.
 */
import type { Conversation, ToolCallTurn } from "./conversation.ts";
import { extractTime } from "./dates.ts";

export interface Offer {
  date: string | null;
  times: string[];
}

const AVAILABILITY_TOOL = /availab|slots|openings|free_times|free_slots/i;
const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)(?::\d\d)?$/;

/** The latest tool round: the assistant's calls and their results (null when the caller has not been helped by a tool yet). */
export function lastToolRound(conv: Conversation): Array<{ call: ToolCallTurn; result: string }> | null {
  for (let i = conv.turns.length - 1; i >= 0; i--) {
    const t = conv.turns[i]!;
    if (t.role !== "assistant" || t.toolCalls.length === 0) continue;
    return t.toolCalls.map((call) => {
      const r = conv.turns.slice(i + 1).find((x) => x.role === "tool" && x.toolCallId === call.id);
      return { call, result: r?.role === "tool" ? r.text : "" };
    });
  }
  return null;
}

function timeOf(v: unknown): string | null {
  if (typeof v === "string") {
    const iso = v.match(/T(\d\d:\d\d)/);
    if (iso) return iso[1]!;
    const m = v.trim().match(HHMM);
    if (m) return `${m[1]!.padStart(2, "0")}:${m[2]}`;
    return extractTime(v);
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o.available === false || o.free === false) return null;
    for (const k of ["time", "start", "start_time", "starts_at", "slot", "at"]) if (o[k] !== undefined) return timeOf(o[k]);
  }
  return null;
}

/** Slot times in an availability result, whatever it calls them. */
export function slotTimes(result: unknown): string[] {
  if (Array.isArray(result)) return result.map(timeOf).filter((t): t is string => t !== null);
  if (result && typeof result === "object") {
    const o = result as Record<string, unknown>;
    for (const k of ["available", "available_slots", "availableSlots", "slots", "times", "free", "free_slots", "openings", "availability", "options"]) {
      if (Array.isArray(o[k])) return slotTimes(o[k]);
    }
  }
  return [];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the latest availability check offered, or the times the bot's last words read out as a choice. */
export function offeredSlots(conv: Conversation): Offer | null {
  const round = lastToolRound(conv);
  const check = round?.find((r) => AVAILABILITY_TOOL.test(r.call.name));
  if (!check) return null;
  let args: Record<string, unknown> = {};
  try {
    args = JSON.parse(check.call.arguments) as Record<string, unknown>;
  } catch {}
  const result = parse(check.result);
  const date = (result && typeof result === "object" && typeof (result as Record<string, unknown>).date === "string" ? (result as Record<string, unknown>).date : args.date) as string | undefined;
  return { date: typeof date === "string" ? date : null, times: slotTimes(result) };
}

const ORDINALS: Array<[RegExp, (n: number) => number]> = [
  [/\b(first|earliest|earlier|1st)\b/i, () => 0],
  [/\b(second|middle|2nd)\b/i, () => 1],
  [/\b(third|3rd)\b/i, () => 2],
  [/\b(last|latest|later|final)\b/i, (n) => n - 1],
];

/** The offered time the caller took: named, by position, or the only one with a yes. */
export function chosenSlot(text: string, offer: Offer): string | null {
  const said = extractTime(text);
  if (said) return said;
  for (const [re, index] of ORDINALS) if (re.test(text) && offer.times.length > 0) return offer.times[Math.min(index(offer.times.length), offer.times.length - 1)] ?? null;
  if (offer.times.length === 1 && AFFIRMATIVE.test(text)) return offer.times[0]!;
  return null;
}

export const AFFIRMATIVE = /\b(yes|yeah|yep|yup|sure|ok|okay|alright|that works|works for me|sounds good|perfect|great|fine|please do|let'?s do)\b/i;
export const NEGATIVE = /\b(no|nope|none of (those|them)|neither|doesn'?t work|don'?t work|not good)\b/i;

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "2026-03-13" → "Friday, March 13". */
export function spokenDate(iso: string): string {
  const m = iso.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return iso;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** "15:00" → "3 pm", "09:30" → "9:30 am", "12:00" → "noon". */
export function spokenTime(hhmm: string): string {
  const t = timeOf(hhmm);
  if (!t) return hhmm;
  const [h, min] = t.split(":").map(Number) as [number, number];
  if (h === 12 && min === 0) return "noon";
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${min ? `:${String(min).padStart(2, "0")}` : ""} ${h < 12 ? "am" : "pm"}`;
}

/** "a, b and c". */
export function spokenList(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");
}

/** A plain yes to an offer ("yes please", "sure, go ahead"): not a question, not a no, not a new request. */
export function acceptsOffer(text: string): boolean {
  const said = text.trim();
  if (said.includes("?") || said.split(/\s+/).length > 8) return false;
  if (NEGATIVE.test(said.replace(/\bno(,)? (problem|worries)\b/i, ""))) return false;
  return /^\W*(?:(?:oh|um+|uh+|well|ok(?:ay)?)[,.\s]+)*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|alright|please|absolutely|definitely|of course|go ahead|that would|that'd|i would|i'd like that|i guess)\b/i.test(said);
}
