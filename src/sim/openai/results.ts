/**
 * What the caller hears once a tool answered: whether a result says no
 * (`failed`), the free slots read out, and the phrasing per tool family (a
 * cancellation, a move, a message passed on, a transfer under way or refused).
 * The intent table's own `phraseResult` hooks come first (intents.ts).
 */
import { slotTimes, spokenDate, spokenList, spokenTime } from "./slots.ts";

function record(result: unknown): Record<string, unknown> {
  return result && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
}

/** ok: false, success: false, an error, or a status that says no. */
export function failed(result: unknown): boolean {
  const r = record(result);
  return r.ok === false || r.success === false || typeof r.error === "string" || /^(fail|error|taken|unavailable|conflict|not_found|rejected|closed)/i.test(String(r.status ?? ""));
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v.trim() : null;
}

function firstName(v: unknown): string {
  const n = str(v);
  return n ? `, ${n.split(/\s+/)[0]}` : "";
}

function spokenPhone(v: unknown): string | null {
  const d = String(v ?? "").replace(/[^\d+]/g, "");
  const local = d.replace(/^\+?1(?=\d{10}$)/, "");
  if (/^\d{10}$/.test(local)) return `${local.slice(0, 3)} ${local.slice(3, 6)} ${local.slice(6)}`;
  return d || null;
}

export function slotPhrase(result: unknown, args: Record<string, unknown>): string | null {
  if (failed(result)) return null;
  const r = record(result);
  const date = str(r.date) ?? str(args.date);
  const on = date ? `on ${spokenDate(date)}` : "then";
  const times = slotTimes(result);
  if (times.length === 0) {
    if (Array.isArray(result) || ["available", "slots", "times", "available_slots", "free"].some((k) => Array.isArray(r[k]))) {
      return `I'm sorry, there's nothing free ${on}. Would another day work?`;
    }
    return null;
  }
  const said = times.slice(0, 4).map(spokenTime);
  return `${on.charAt(0).toUpperCase()}${on.slice(1)} I have ${spokenList(said)}${times.length > 4 ? ", and a few more" : ""}. Would any of those work?`;
}

/** Result phrasings for the tools the table's intents call, by the intent that owns the tool. */
export const resultPhrasings: Array<{ tools: RegExp; phrase: (result: unknown, args: Record<string, unknown>) => string | null }> = [
  {
    // Not in the FAQ (the profile had no answer either, or it would have been said without the tool): say so, offer a message.
    tools: /faq|knowledge|lookup_info/i,
    phrase: (result) => (failed(result) ? "I'm sorry, I don't have that information. I can take a message and someone will get back to you. Would that help?" : null),
  },
  {
    tools: /cancel/i,
    phrase: (result, args) => (failed(result) ? null : `Your appointment${str(args.date) ? ` on ${spokenDate(String(args.date))}` : ""} is cancelled.`),
  },
  {
    tools: /reschedul|move_appointment|change_appointment/i,
    phrase: (result, args) => {
      if (failed(result)) return null;
      const r = record(result);
      const date = str(r.new_date) ?? str(r.date) ?? str(args.new_date);
      const time = str(r.new_time) ?? str(r.time) ?? str(args.new_time);
      return date && time ? `Done: your appointment is now on ${spokenDate(date)} at ${spokenTime(time)}.` : null;
    },
  },
  {
    tools: /message|callback|voicemail|refill|prescription/i,
    phrase: (result, args) => {
      if (failed(result)) return null;
      const number = spokenPhone(args.callback_number ?? args.phone ?? args.callback);
      return `Thank you${firstName(args.name ?? args.caller_name)}. I've passed your message on, and someone will call you back${number ? ` at ${number}` : ""}.`;
    },
  },
  {
    tools: /transfer|human|agent|operator|handoff|hand_off/i,
    phrase: (result) => (failed(result) ? "I'm sorry, nobody is available to take your call right now. Would you like to leave a message?" : "Please hold while I connect you."),
  },
];
