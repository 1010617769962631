/**
 * The responder's intent table: what a caller may want, the words that say
 * it, and which offered tool serves it. Order matters — the first intent whose
 * pattern matches and whose tool is on offer (or that can answer without one)
 * wins — so safety and emergencies come first, narrow intents (a refill, a
 * relayed message, reschedule, cancel) before broad ones (book, any question).
 *
 * This is data: the receptionist passes its own table (or prepends entries to
 * this one) to createResponder. `when` adds a conversation-aware test (e.g.
 * "eleven thirty works" after the bot offered slots), `ask` words the question
 * for a missing argument, `fill` supplies arguments the words imply (a refill's
 * reason, an emergency's on-call target), `answer` replies without the tool
 * when the prompt already holds the answer, `phraseResult` turns the tool's
 * result into what the caller hears.
 */
import { type Conversation, notesAfter, type OfferedTool } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { ASKS_ABOUT_VISIT, CHECKING_THE_LINE, AVAILABILITY, BOOK, CALLBACK, CANCEL, EMERGENCY, END, FAQ, REFILL, RELAY_MESSAGE, RESCHEDULE, TOPICS, TRANSFER } from "./caller-words.ts";
import { classifyParam, defaultDepartment, DEPARTMENT_PARAM } from "./extract.ts";
import { bestFact, serviceAreaAnswer } from "./knowledge.ts";
import { ANYTHING_ELSE } from "./phrasing.ts";
import { type PromptProfile, readPrompt } from "./prompt.ts";
import { botWordsBefore, offersMessage } from "./questions.ts";
import { blockedTopic, declineTopic, isPromptProbe, safeLine } from "./safety.ts";
import { slotPhrase } from "./results.ts";
import { acceptsOffer, AFFIRMATIVE, chosenSlot, NEGATIVE, offeredSlots } from "./slots.ts";

/** What an intent's hooks see. */
export interface IntentContext {
  conv: Conversation;
  /** The caller's latest words. */
  text: string;
  /** The caller's words since the intent was stated, latest first. */
  texts: string[];
  profile: PromptProfile;
  /** In the business's time zone when the prompt names one. */
  clock: Clock;
  /** The offered tool that serves the intent, if any. */
  tool: OfferedTool | null;
  /** Arguments taken from the words so far (empty for answer / withoutTool). */
  args: Record<string, unknown>;
  /** The flow transition just taken (a function called with no arguments), when the request goes on in the new node. */
  afterTransition: string | null;
  /** System notes the runtime added after the words that stated the intent ("…report_emergency was called and its instruction given."). */
  notes: string[];
}

type Line = string | ((ctx: IntentContext) => string | null);

export interface Intent {
  name: string;
  /** Caller utterances that express it (tested against each of the caller's recent turns). */
  patterns: RegExp[];
  /** Tool names that serve it; the first offered tool that matches is called. */
  tools: RegExp;
  /** Among the offered tools that serve it, which to take first (e.g. a flow's report_emergency before transfer_to_human). */
  prefer?: RegExp[];
  /** Words that look like the intent but ask about it instead ("how much is a new patient exam" is no booking). */
  unless?: RegExp[];
  /** Extra test, with the whole conversation (`at`: the words' index in its turns, -1 when unknown): true matches even when no pattern does. */
  when?: (conv: Conversation, text: string, at: number) => boolean;
  /** Question per missing required parameter, by parameter name. */
  ask?: Record<string, string>;
  /** Said with the tool call (assistant content beside tool_calls), e.g. a filler or the emergency instruction. */
  say?: Line;
  /** Arguments the words imply; only those the offered schema has are used. */
  fill?: (ctx: IntentContext) => Record<string, unknown>;
  /** A reply without the tool, when it gives one (an FAQ the prompt answers): tried first, on the turn that states the intent. */
  answer?: (ctx: IntentContext) => string | null;
  /** What the caller hears once the tool answered; null falls back to the generic phrasing. */
  phraseResult?: (result: unknown, args: Record<string, unknown>) => string | null;
  /** The answer when no tool for this intent is on offer; without it the intent does not match then. */
  withoutTool?: Line;
  /** Broad (e.g. any question): yields to an intent the caller stated earlier in the same request. */
  weak?: boolean;
}

export const GOODBYE = "Thank you for calling. Goodbye!";
const NO_BOOKING = "I'm sorry, I can't book appointments on this line right now, but I can take a message and the office will call you back. Would that help?";
const DEFAULT_EMERGENCY = "If this is a medical emergency, please hang up and call 911 right away.";

/** The offered department a caller's problem belongs to (only departments the transfer tool or the prompt names). */
function topicDepartment(text: string, conv: Conversation): string | null {
  const tool = conv.tools.find((t) => /transfer|human|agent|operator|handoff|hand_off/i.test(t.name));
  if (!tool) return null;
  const names: string[] = [];
  for (const [p, schema] of Object.entries(tool.parameters.properties ?? {})) {
    if (DEPARTMENT_PARAM.test(p)) names.push(...(schema.enum ?? []).filter((v): v is string => typeof v === "string"));
  }
  for (const [said, department] of TOPICS) {
    if (!said.test(text)) continue;
    const hit = names.find((n) => department.test(n));
    if (hit) return hit;
  }
  return null;
}

/** Functions the runtime's notes say it called itself ("report_emergency was called…"). */
export function calledInNotes(notes: string[]): Set<string> {
  return new Set(notes.flatMap((n) => [...n.matchAll(/\b([A-Za-z][\w-]*) was called\b/g)].map((m) => m[1]!)));
}

/** A flow function that only moves the conversation to another node: no parameters to fill. */
export function isTransitionTool(tool: OfferedTool | null): boolean {
  return tool !== null && Object.keys(tool.parameters.properties ?? {}).length === 0 && !/end_?call|hang_?up|end_conversation/i.test(tool.name);
}

/** A transition back to the start of the flow ("something_else": the caller needs something more). */
export function isMenuTransition(tool: OfferedTool): boolean {
  return isTransitionTool(tool) && /something_?else|anything_?else|main_?menu|start_?over|restart|go_?back|back_to|other_request|\bmore\b|something more/i.test(`${tool.name} ${tool.description}`);
}

// ─── arguments the words imply ──────────────────────────────────────────────

function paramsOf(ctx: IntentContext, kind: string): string[] {
  const props = ctx.tool?.parameters.properties ?? {};
  return Object.entries(props)
    .filter(([p, s]) => (kind === "department" ? DEPARTMENT_PARAM.test(p) : classifyParam(p, s) === kind))
    .map(([p]) => p);
}

/** The on-call target (or the nearest thing the schema offers) for an emergency. */
function emergencyTarget(ctx: IntentContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paramsOf(ctx, "department")) {
    const values = (ctx.tool!.parameters.properties![p]!.enum ?? []).filter((v): v is string => typeof v === "string");
    const pick = [/on_?call/i, /emergenc/i, /nurse/i, /doctor|dentist|provider/i, /front_?desk|reception/i].map((re) => values.find((v) => re.test(v))).find(Boolean);
    out[p] = pick ?? (values.length ? values[0] : "on_call");
  }
  return out;
}

/** A text argument for every free-text parameter (matching `only`) the caller's words did not fill. */
function textParams(ctx: IntentContext, value: string, only?: RegExp, override = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paramsOf(ctx, "text")) if ((!only || only.test(p)) && (override || ctx.args[p] === undefined)) out[p] = value;
  return out;
}

function clean(s: string): string {
  return s
    .trim()
    .replace(/^(?:uh+|um+|so|well|yeah|yes|hi|hello|hey|okay|ok)[,.\s]+/i, "")
    .replace(/[.!?]+$/, "")
    .trim();
}

/** "Prescription refill: lisinopril" — what the refill is for, when the caller said. */
export function refillReason(texts: string[]): string {
  for (const text of [...texts].reverse()) {
    const m =
      text.match(/\b(?:refill(?:ed)?|renew(?:ed|al)?|prescription|more)\s+(?:on|of|for)\s+(?:my\s+|the\s+|her\s+|his\s+|our\s+)?([^,.;?!]+)/i) ??
      text.match(/\b(?:get|need|have|want) (?:my|her|his|the|our) ([\w'’ -]+?) (?:refilled|renewed)/i) ??
      text.match(/\bout of (?:my|her|his|the|our) ([\w'’ -]+?)(?:\s+and\b|[,.;?!]|$)/i);
    const detail = m?.[1]?.trim().replace(/\b(my|the|a)\s+/gi, "").replace(/\s+(please|today|thanks)$/i, "");
    if (detail && !/^(prescription|prescriptions|medication|meds|it)$/i.test(detail)) return `Prescription refill: ${detail}`;
  }
  return "Prescription refill";
}

/** The service the profile lists that the words name, in the profile's own spelling ("root canals" → "root canal"). */
function namedService(text: string, profile: PromptProfile): string | null {
  const said = text.toLowerCase().replace(/check[- ]up/g, "checkup");
  for (const service of profile.services) {
    const words = service.toLowerCase().replace(/check[- ]up/g, "checkup").match(/[a-z]{4,}/g) ?? [];
    if (words.length && words.every((w) => new RegExp(`\\b${w.replace(/(ing|s)$/, "")}`).test(said))) return service;
  }
  return null;
}

/** A service the profile lists, asked for ("I need a crown", "can I get a filling done"), not asked about. */
function wantsService(text: string, profile: PromptProfile): boolean {
  if (!/\b(get|need|needs|want|wants|like|book|schedule|come in for|in for)\b|\b(can|could|may) (i|we) have\b/i.test(text) || /^\W*(do|does) (you|they)\b|\b(offer|provide)\b/i.test(text)) return false;
  return namedService(text, profile) !== null;
}

/** A yes/no question about a service the profile lists: "Do you do root canals?" → "Yes, we offer root canal." */
function serviceAnswer(text: string, profile: PromptProfile): string | null {
  if (!/^(?:\W*(?:uh+|um+|so|and|hi|hey)[,\s]+)*(do|does|can|could|are|is)\b|\b(offer|provide|do you do)\b/i.test(text)) return null;
  const service = namedService(text, profile);
  return service ? `Yes, we offer ${service}.` : null;
}

/** "sales" → "from sales", "front_desk" → "at the front desk"; nothing named → "". */
function whoIn(department: unknown): string {
  if (typeof department !== "string" || !department.trim()) return "who can help";
  const words = department.replace(/[_-]+/g, " ").trim().toLowerCase();
  return /\b(desk|office|reception)\b/.test(words) ? `at the ${words}` : `from ${words}`;
}

// ─── the table ───────────────────────────────────────────────────────────────

export const defaultIntents: Intent[] = [
  {
    // First, before even a prompt probe: whatever else the words say, an emergency gets the instruction.
    name: "emergency",
    patterns: EMERGENCY,
    // The runtime heard an emergency keyword and moved the flow itself: these words are an emergency too.
    when: (conv, _text, at) => at >= 0 && notesAfter(conv, at).some((n) => /\bdescribed an emergency\b/i.test(n)),
    // A flow's emergency function (it leads to a node that says the instruction), else a transfer.
    tools: /emergenc|urgent|transfer|human|agent|operator|handoff|hand_off/i,
    prefer: [/emergenc/i, /urgent/i, /transfer/i],
    // Said here unless the node the flow moves to says it, or the runtime's note says it was given.
    say: (ctx) =>
      isTransitionTool(ctx.tool) || /emergenc|urgent/i.test(ctx.afterTransition ?? "") || ctx.notes.some((n) => /\binstruction given\b/i.test(n))
        ? null
        : (ctx.profile.emergencyInstruction ?? DEFAULT_EMERGENCY),
    fill: (ctx) => ({ ...emergencyTarget(ctx), ...textParams(ctx, `Emergency: ${clean(ctx.texts.at(-1) ?? ctx.text)}`, undefined, true) }),
    withoutTool: (ctx) => ctx.profile.emergencyInstruction ?? DEFAULT_EMERGENCY,
  },
  {
    name: "prompt_extraction",
    patterns: [],
    when: (_conv, text) => isPromptProbe(text),
    tools: /$^/,
    withoutTool: (ctx) => safeLine(ctx.profile.businessName),
  },
  {
    name: "blocked_topic",
    patterns: [],
    when: (conv, text) => blockedTopic(text, conv.system) !== null,
    tools: /$^/,
    withoutTool: (ctx) => declineTopic(blockedTopic(ctx.text, ctx.conv.system, ctx.profile.blockedTopics) ?? "that"),
  },
  {
    name: "prescription_refill",
    patterns: REFILL,
    tools: /message|callback|refill|prescription/i,
    prefer: [/refill|prescription/i, /take_message/i],
    ask: { reason: "Which medication is the refill for?" },
    fill: (ctx) => {
      return textParams(ctx, refillReason(ctx.texts), /reason|message|about|subject|summary/i, true);
    },
    withoutTool: "I'm sorry, I can't take refill requests on this line right now. Please call back during office hours.",
  },
  {
    name: "take_message",
    patterns: RELAY_MESSAGE,
    // "Yes please" to "Would you like to leave a message?": the message-taking starts (its questions follow).
    when: (conv, text, at) => at >= 0 && acceptsOffer(text) && offersMessage(botWordsBefore(conv.turns, at)),
    tools: /message|callback|voicemail/i,
    prefer: [/take_message/i, /message/i],
    ask: { reason: "What is the message regarding?", message: "What would you like the message to say?" },
  },
  {
    name: "reschedule_appointment",
    patterns: RESCHEDULE,
    tools: /reschedul|move_appointment|change_appointment/i,
    prefer: [/reschedul/i],
    ask: { new_date: "What day would you like to move it to?", new_time: "And what time would suit you?", old_date: "What day is your current appointment?" },
    withoutTool: "I'm sorry, I can't change appointments on this line, but I can take a message and the office will call you back. Would that help?",
  },
  {
    name: "cancel_appointment",
    patterns: CANCEL,
    tools: /cancel/i,
    ask: { phone: "What phone number is the appointment under?" },
    withoutTool: "I'm sorry, I can't cancel appointments on this line, but I can take a message and the office will take care of it. Would that help?",
  },
  {
    name: "take_message",
    patterns: CALLBACK,
    tools: /message|callback|voicemail/i,
    prefer: [/take_message/i, /message/i],
    ask: { reason: "What is the message regarding?", message: "What would you like the message to say?" },
  },
  {
    name: "transfer_to_human",
    patterns: TRANSFER,
    // A problem an offered department handles: "a question about my bill" → billing, "a quote" → sales.
    when: (conv, text) => topicDepartment(text, conv) !== null,
    tools: /transfer|human|agent|operator|handoff|hand_off/i,
    prefer: [/transfer/i],
    ask: { target: "Who would you like to speak to?", department: "Which department would you like?" },
    // Said before the tool answers: it may refuse (out of hours, nobody free), so nothing is promised yet.
    say: (ctx) => `Let me check if someone ${whoIn(paramsOf(ctx, "department").map((p) => ctx.args[p]).find((v) => typeof v === "string"))} is available.`,
    fill: (ctx) => {
      const out = textParams(ctx, clean(ctx.texts.at(-1) ?? ctx.text), /reason|summary|note/i);
      for (const p of paramsOf(ctx, "department")) {
        if (ctx.args[p] !== undefined) continue;
        const values = (ctx.tool!.parameters.properties![p]!.enum ?? []).filter((v): v is string => typeof v === "string");
        const topic = ctx.texts.map((t) => topicDepartment(t, ctx.conv)).find(Boolean);
        out[p] = topic ?? defaultDepartment(values.length ? values : ctx.profile.transferTargets.map((t) => t.name));
      }
      return out;
    },
    withoutTool: "I'm sorry, I can't transfer calls right now, but I can take a message. Would that help?",
  },
  {
    name: "check_availability",
    patterns: AVAILABILITY,
    // "What about Monday?" after slots were offered: check that day.
    when: (conv, text) => offeredSlots(conv) !== null && /\b(what about|how about|any ?thing on|instead|other days?)\b/i.test(text),
    tools: /availab|slots|free_times|openings/i,
    prefer: [/check_availability|availab/i],
    ask: { date: "What day would you like me to check?" },
    phraseResult: slotPhrase,
    withoutTool: NO_BOOKING,
  },
  {
    name: "book_appointment",
    patterns: BOOK,
    unless: [ASKS_ABOUT_VISIT],
    // A slot taken from the ones just offered: "eleven thirty works", "the first one", "yes"; or a service the
    // profile lists, asked for: "can I get a filling done Thursday".
    when: (conv, text) => {
      if (wantsService(text, readPrompt(conv.system))) return true;
      const offer = offeredSlots(conv);
      return offer !== null && !NEGATIVE.test(text.replace(/\bno(,)? (problem|worries)\b/i, "")) && chosenSlot(text, offer) !== null;
    },
    tools: /book|schedule|appointment|reserv/i,
    prefer: [/book/i],
    withoutTool: NO_BOOKING,
    ask: { date: "What day would you like to come in?", time: "What time would suit you?", name: "May I have your full name, please?", phone: "And what's the best phone number to reach you?" },
    fill: (ctx) => {
      const offer = offeredSlots(ctx.conv);
      if (!offer) return {};
      const out: Record<string, unknown> = {};
      for (const p of paramsOf(ctx, "time")) if (ctx.args[p] === undefined) out[p] = ctx.texts.map((t) => chosenSlot(t, offer)).find(Boolean);
      for (const p of paramsOf(ctx, "date")) if (ctx.args[p] === undefined && offer.date) out[p] = offer.date;
      return out;
    },
    // Booking results keep the generic phrasing ("Done: date …, time …"), which other tests pin.
  },
  {
    name: "end_call",
    patterns: END,
    tools: /end_?call|hang_?up|end_conversation|^end$/i,
    fill: (ctx) => textParams(ctx, "The caller said goodbye.", /reason|summary|note/i),
    phraseResult: () => GOODBYE,
    withoutTool: GOODBYE,
  },
  {
    name: "answer_faq",
    patterns: FAQ,
    // "Hello?", "is this Brightline?": a caller checking the line, not a question to look up.
    unless: [CHECKING_THE_LINE],
    tools: /faq|question|knowledge|lookup_info|info/i,
    answer: (ctx) => {
      const said = serviceAnswer(ctx.text, ctx.profile) ?? serviceAreaAnswer(ctx.text, ctx.profile.facts) ?? bestFact(ctx.text, ctx.profile.facts, 2);
      return said ? `${said} ${ANYTHING_ELSE}` : null;
    },
    withoutTool: `I'm sorry, I don't have that information. ${ANYTHING_ELSE}`,
    weak: true,
  },
];

export { AFFIRMATIVE, ANYTHING_ELSE };
