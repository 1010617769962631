/**
 * The responder's intent table: what a caller may want, the words that say
 * it, and which offered tool serves it. Order matters — the first intent whose
 * pattern matches and whose tool is on offer wins — so narrow intents
 * (cancel, reschedule) come before broad ones (book, any question).
 *
 * This is data: the receptionist passes its own table (or prepends entries to
 * this one) to createResponder. `when` adds a conversation-aware test (e.g.
 * "yes" after the bot offered a slot), `ask` words the question for a missing
 * argument, `phraseResult` turns the tool's result into what the caller hears.
 */
import type { Conversation } from "./conversation.ts";

export interface Intent {
  name: string;
  /** Caller utterances that express it (tested against the caller's last words). */
  patterns: RegExp[];
  /** Tool names that serve it; the first offered tool that matches is called. */
  tools: RegExp;
  /** Extra test, with the whole conversation: true matches even when no pattern does. */
  when?: (conv: Conversation, text: string) => boolean;
  /** Question per missing required parameter, by parameter name. */
  ask?: Record<string, string>;
  /** Said with the tool call (assistant content beside tool_calls), e.g. a filler. */
  say?: string;
  /** What the caller hears once the tool answered; null falls back to the generic phrasing. */
  phraseResult?: (result: unknown, args: Record<string, unknown>) => string | null;
  /** The answer when no tool for this intent is on offer; without it the intent does not match. */
  withoutTool?: string;
  /** Broad (e.g. any question): yields to an intent the caller stated earlier in the same request. */
  weak?: boolean;
}

const GOODBYE = "Thank you for calling. Goodbye!";

export const defaultIntents: Intent[] = [
  {
    name: "end_call",
    patterns: [/\b(good ?bye|bye|that'?s all|that is all|that'?s it|nothing else|no,? thanks?|no thank you|hang up)\b/i],
    tools: /end_?call|hang_?up|end_conversation|^end$/i,
    phraseResult: () => GOODBYE,
    withoutTool: GOODBYE,
  },
  {
    name: "transfer_to_human",
    patterns: [
      /\b(speak|talk|chat)\s+(to|with)\s+(a|an|the|some)?\s*(real\s+)?(human|person|someone|somebody|agent|representative|operator|receptionist|manager|staff|doctor|nurse|sales|support|billing)\b/i,
      /\b(transfer|put) me\b|\bput me through\b|\bconnect me\b|\b(real|live) person\b|\bhuman\b|\boperator\b|\brepresentative\b/i,
    ],
    tools: /transfer|human|agent|operator|handoff|hand_off/i,
    say: "Let me transfer you now.",
    withoutTool: "I'm sorry, I can't transfer calls right now, but I can take a message. Would that help?",
  },
  {
    name: "cancel_appointment",
    patterns: [/\bcancel\b/i, /\bcan'?t make (it|my appointment)\b/i],
    tools: /cancel/i,
  },
  {
    name: "reschedule_appointment",
    patterns: [/\breschedul/i, /\b(move|change|push back|bring forward)\b.*\b(appointment|booking|reservation|visit)\b/i],
    tools: /reschedul|move_appointment|change_appointment/i,
  },
  {
    name: "check_availability",
    patterns: [/\b(availability|available|openings?|free slots?|any slots?|any time|when can i come)\b/i],
    tools: /availab|slots|free_times|openings/i,
  },
  {
    name: "book_appointment",
    patterns: [
      /\b(book|schedule|make|set up|arrange|get)\b.*\b(appointment|booking|reservation|visit|consultation|cleaning|check-?up|meeting|table)\b/i,
      /\b(book|schedule)\b/i,
      /\bappointment\b/i,
    ],
    tools: /book|schedule|appointment|reserv/i,
  },
  {
    name: "take_message",
    patterns: [
      /\b(leave|take|pass on|give|send)\b.*\bmessage\b/i,
      /\bmessage for\b/i,
      /\b(call|ring) me back\b|\bcallback\b|\bhave (him|her|them|someone|somebody) call\b/i,
    ],
    tools: /message|callback|voicemail/i,
    ask: { reason: "What is the message regarding?", message: "What would you like the message to say?" },
  },
  {
    name: "answer_faq",
    patterns: [/\?\s*$/, /^(what|when|where|how|do|does|are|is|can|which|who)\b/i],
    tools: /faq|question|knowledge|lookup_info|info/i,
    weak: true,
  },
];
