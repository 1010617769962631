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
import type { Conversation, OfferedTool } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { classifyParam, defaultDepartment, DEPARTMENT_PARAM } from "./extract.ts";
import { bestFact } from "./knowledge.ts";
import { ANYTHING_ELSE } from "./phrasing.ts";
import type { PromptProfile } from "./prompt.ts";
import { blockedTopic, declineTopic, isPromptProbe, safeLine } from "./safety.ts";
import { AFFIRMATIVE, chosenSlot, NEGATIVE, offeredSlots, slotTimes, spokenDate, spokenList, spokenTime } from "./slots.ts";

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
  /** Extra test, with the whole conversation: true matches even when no pattern does. */
  when?: (conv: Conversation, text: string) => boolean;
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

// ─── results ─────────────────────────────────────────────────────────────────

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

function slotPhrase(result: unknown, args: Record<string, unknown>): string | null {
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

// ─── what callers say ────────────────────────────────────────────────────────

const EMERGENCY: RegExp[] = [
  /\bchest pains?\b|\bheart attack\b|\bstroke\b|\bcardiac\b/i,
  /\b(can'?t|cannot|can not|couldn'?t|unable to|not|isn'?t|stopped|struggling to|trouble|difficulty|hard to|problems?) (really |properly )?breath(e|ing)\b/i,
  /\bchok(ing|ed)\b|\bunconscious\b|\bunresponsive\b|\bnot (waking up|responding)\b|\bpassed out\b|\bfainted\b|\bcollapsed\b/i,
  /\bbleeding (heavily|a lot|so much|badly|really badly|really bad|profusely|everywhere|non-?stop|won'?t stop)\b|\b(won'?t|will not|doesn'?t|does not|can'?t get it to) stop bleeding\b|\b(lots of|a lot of|so much) blood\b|\bbleeding\b[^.?!]{0,30}\b(won'?t|doesn'?t|does not|will not) stop\b|\bbleeding (really |very )?(badly|heavily)\b/i,
  /\bseizures?\b|\bconvuls/i,
  /\boverdos|\bpoison|\bswallowed\b[^.?!]{0,40}\b(bleach|chemicals?|cleaning|cleaner|detergent|pills|tablets|medicine|battery|liquid|poison|magnets?)\b/i,
  /\ballergic reaction\b|\banaphyla/i,
  /\bthroat\b[^.?!]{0,30}\b(swelling|swollen|closing)\b|\b(face|jaw|cheek|tongue|eye)\b[^.?!]{0,30}\b(swelling|swollen)\b[^.?!]{0,60}\b(pain|fever|breath|hurts)\b/i,
  /\b(tooth|teeth)\b[^.?!]{0,30}\bknocked out\b|\bknocked (out )?(a |my |his |her |their |two |some )?(front )?(tooth|teeth)\b/i,
  /\b(broken|fractured|dislocated) jaw\b|\bhead injury\b|\bhit (his|her|my|their) head\b|\bcar accident\b|\bfell (down|off|on (his|her|my|their) (face|head))\b/i,
  /\bblood (everywhere|all over)\b|\b(bleeding|blood)\b[^.?!]{0,30}\beverywhere\b/i,
  /\bsuicid|\bkill (myself|himself|herself)\b|\bhurt (myself|himself|herself)\b/i,
  /\b(it'?s|this is|having|i have|we have) an? (medical |dental |real )?emergency\b|\b(medical|dental) emergency\b(?! (visits?|appointments?|slots?))|\bcall (911|an ambulance)\b|\bambulance\b/i,
];

const REFILL: RegExp[] = [
  /\bre-?fill/i,
  /\bp[er]{2}s?cri(p|b)t?ions?\b[^.?!]{0,40}\b(renew|ran out|run out|running out|out of|more|expired|filled|refill)\b/i,
  /\b(renew|refill|need|send|new|another|call in|fill|get)\b[^.?!]{0,30}\bp[er]{2}s?cri(p|b)t?ion/i,
  /\b(almost |running |ran |run |all )?out of (my |her |his |our )?([\w-]+ )?(medication|medicine|meds|pills|tablets|inhaler|antibiotics?)\b/i,
  /\b(medication|medicine|meds|pills|tablets|inhaler|antibiotics?|prescription)s? (renewed|refilled|re-?filled)\b|\brenew (my|her|his|our|the) [\w' -]{0,30}(medication|medicine|meds|pills|tablets|inhaler|antibiotics?)\b/i,
];

const RELAY_MESSAGE: RegExp[] = [
  // Not "if I leave a message…": that is a question about messages.
  /(?<!\bif (i|we) )\b(leave|take|pass on|pass along|give|send|get|relay|record)\s+(?:[a-z.'’]+\s+){0,3}message\b/i,
  /\bmessage (for|to)\b/i,
  /\bvoice ?mail\b/i,
  /\blet (him|her|them|the [a-z]+|dr\.? [a-z]+|[a-z]+) know\b/i,
  /\btell (him|her|them|the [a-z]+|dr\.? [a-z]+|[a-z]+) (that|i called|i'?m|i was|to call)\b/i,
];

/** "When will someone get back to me…", "how soon do you call back": a question about call-backs, not a request for one. */
const NOT_ASKING_WHEN = "^(?!\\W*(?:(?:uh+|um+|so|and|ok(?:ay)?)[,\\s]+)*(?:when|how (?:long|soon|quickly|fast))\\b)[\\s\\S]*?";

const CALLBACK: RegExp[] = [
  new RegExp(`${NOT_ASKING_WHEN}(?:\\b(call|ring|phone) me back\\b|\\bget back to me\\b|\\breturn my call\\b|\\b(a|request a|get a) call ?back\\b)`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\bhave (him|her|them|someone|somebody|the [a-z]+|dr\\.? [a-z]+|[a-z]+) (call|ring|phone|give me a call|get back|contact)\\b`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\b(someone|somebody|anyone) (to )?(call|ring|phone|give me a call|get back to|contact) me\\b`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\b(give|gimme) (me|us) a (ring|call|buzz|shout)\\b`, "i"),
];

const DEPARTMENT_ONLY =
  /^\W*(?:(?:uh+|um+|yeah|yes|hi|hello|hey|ok(?:ay)?|so)[,.\s]+)*(?:(?:can i (?:get|have)|could i (?:get|have)|i need|i want|i'?d like|give me|get me|just)\s+)?(?:the\s+)?(?:sales|support|tech(?:nical)? support|billing|accounts|customer (?:service|support)|reception|front desk|office|on[- ]call)(?:\s+(?:department|team|desk|please|thanks|thank you))*\W*$/i;

const TRANSFER: RegExp[] = [
  /\b(speak|talk|chat)\s+(to|with)\s+(?!you\b)/i,
  /\bwho (do|should|can|would) (i|we) (talk|speak) (to|with)\b|\bwho (handles|deals with|do i ask about)\b/i,
  /\b(transfer|put|connect) me\b|\bput me through\b|\bthrough to\b/i,
  /\b(real|live|actual) (person|human|agent|people)\b|\bhuman\b|\boperator\b|\brepresentative\b|\bagent\b/i,
  /\bis (the |dr\.? |doctor )?[a-z.]+( [a-z]+)? (there|in|available|around|in today|in the office)\b/i,
  /\bon[- ]call\b/i,
  /\b(tech(nical)? support|customer (service|support)|help ?desk)\b/i,
  DEPARTMENT_ONLY,
];

const RESCHEDULE: RegExp[] = [
  /\bre-?schedul|\bresched\b|\bre-?book/i,
  /\b(move|change|switch|push|shift|postpone|swap)\b[^.?!]{0,40}\b(appointment|appt|booking|reservation|visit|cleaning|check-?up|session)\b/i,
  /\bbring\b[^.?!]{0,30}\b(appointment|appt|booking|visit|cleaning|check-?up|it)\s+forward\b/i,
  /\b(appointment|appt|booking|visit|cleaning|check-?up|reminder|booked)\b[^?!]*\b(move|change|switch|push|shift) (it|that)\b/i,
  /\b(different|another|later|earlier|new) (day|time|date)\b[^.?!]{0,40}\b(appointment|visit|cleaning|check-?up)\b|\b(appointment|visit|cleaning|check-?up)\b[^.?!]{0,40}\b(different|another|later|earlier|new) (day|time|date)\b/i,
  /\bpostpone\b/i,
  /\b(i'?m|i am|we'?re|we are) (booked|scheduled)\b[^.?!]*\b(rather|instead|prefer|change|move|switch)\b/i,
];

const CANCEL: RegExp[] = [
  /\bcancel(?!lation)|\bcancel(l?ing|l?ed)\b/i,
  /\bcall off\b/i,
  /\b(can'?t|cannot|won'?t|will not|not going to|not gonna|unable to|(?:won'?t|not|not gonna|not going to) be able to) (make it|make my|make the|come in|be there|attend|come)\b/i,
  /\btake (me|us|it) off the (schedule|books|calendar|list)\b/i,
  /\b(won'?t|will not|not|can'?t) be (coming|coming in|able to come)\b/i,
  /\b(don'?t|do not|no longer) need\b[^.?!]{0,30}\b(appointment|visit|booking)\b/i,
];

const AVAILABILITY: RegExp[] = [
  /\bavailab/i,
  /\b(any|an|some|the next) openings?\b|\bopenings\b|\bopen (slots?|times?|appointments?)\b|\b(any|anything|something|slots?|times|room|space)\b[^.?!]{0,20}\b(open|free|left)\b/i,
  /\b(what|which) (times|days|slots|dates)\b|\bwhat (have you got|do you have)\b/i,
  /\b(do|would) you have (anything|any (time|times|slots?|room|space|openings?)|a slot|an opening|something|room|space)\b|\byou have (anything|something)\b/i,
  /\bare you (guys )?(free|booked up|busy)\b/i,
  /\bearliest\b|\bnext available\b|\bsoonest\b/i,
  /\bwhen can (i|we) (come|get in|be seen)\b/i,
];

const BOOK: RegExp[] = [
  /\b(book|schedule|make|set up|arrange|get|need|want|like)\b[^.?!]*\b(appointment|appt|booking|reservation|visit|consultation|cleaning|check-?up|exam|meeting)\b/i,
  /\b(book|schedule)\b/i,
  /\bappointment\b/i,
  /\b(come in|get in|be seen|fit me in|squeeze me in)\b/i,
  /\b(see|visit) (the|a|your) (dentist|doctor|hygienist|nurse|dr)\b/i,
  /\b(grab|get|take|have|book|snag) (a|an|the|that|one) (spot|slot|time|opening)\b/i,
  /\b(get|have) (my|his|her|our|their) teeth (cleaned|checked|whitened|looked at)\b/i,
  /\b(get|have) (it|this|that|them|my [a-z]+|his [a-z]+|her [a-z]+) (looked at|checked( out)?|seen( to)?|fixed|taken care of)\b/i,
  /\bnew patient\b[^.?!]*\b(visit|appointment|exam|come in|book|schedule|set up)\b/i,
];

const END: RegExp[] = [
  /\b(good ?bye|good ?night|take care|bye|bye-bye|that'?s all|that is all|that'?s it|that'?s everything|nothing else|no,? thanks?|no thank you|hang up|have a (good|great|nice|lovely) (day|night|evening|one|weekend))\b/i,
  /\bi'?ll (call|try) (back|again)\b|\bi'?ll call\b[^.?!]{0,20}\b(later|tomorrow|morning|another time|then|next week)\b|\bthat'?ll be (all|it)\b/i,
  /^\W*(no|nope|nah)[.!,]?\s*(i'?m (good|fine|all set))?\W*$/i,
];

const FAQ: RegExp[] = [
  /\?\s*$/,
  /^(?:(?:uh+|um+|so|and|hi|hello|hey|yeah|ok(?:ay)?)[,.\s]+)*(what|when|where|how|do|does|are|is|can|could|which|who|will)\b/i,
  /\b(hours|opening|closing|address|located|location|directions|parking|insurance|prices?|costs?|how much|fees?|warranty|financing)\b/i,
];

/** Problems and requests a department handles, by the department names they point to. */
const TOPICS: Array<[RegExp, RegExp]> = [
  [/\b(question|questions|problem|issue|query|help)\b[^.?!]{0,25}\b(bill|bills|billing|invoice|payment|charge|statement|account)\b|\b(was|been|got) (over)?charged\b|\bpay (my|a|the) (bill|invoice|balance)\b/i, /billing|accounts?|payment/i],
  [/\b(stopped|isn'?t|is not|not|aren'?t|are not|won'?t|doesn'?t|does not) (working|work|turning on|turn on|charging|connecting|showing|loading|updating|producing)\b|\b(broken|broke down|error code|showing an error|outage|malfunction\w*|offline|says error)\b/i, /support|tech|service|help/i],
  [/\b(get|want|need|like) (a )?(quote|estimate|pricing)\b|\b(buy|purchase|sign up for)\b|\b(get|have|want) [\w ]{0,20}installed\b/i, /sales/i],
];

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

/** A yes/no question about a service the profile lists: "Do you do root canals?" → "Yes, we offer root canal." */
function serviceAnswer(text: string, profile: PromptProfile): string | null {
  if (!/^(?:\W*(?:uh+|um+|so|and|hi|hey)[,\s]+)*(do|does|can|could|are|is)\b|\b(offer|provide|do you do)\b/i.test(text)) return null;
  const said = text.toLowerCase().replace(/check[- ]up/g, "checkup");
  for (const service of profile.services) {
    const words = service.toLowerCase().replace(/check[- ]up/g, "checkup").match(/[a-z]{4,}/g) ?? [];
    if (words.length && words.every((w) => new RegExp(`\\b${w.replace(/(ing|s)$/, "")}`).test(said))) return `Yes, we offer ${service}.`;
  }
  return null;
}

// ─── the table ───────────────────────────────────────────────────────────────

export const defaultIntents: Intent[] = [
  {
    name: "prompt_extraction",
    patterns: [],
    when: (_conv, text) => isPromptProbe(text),
    tools: /$^/,
    withoutTool: (ctx) => safeLine(ctx.profile.businessName),
  },
  {
    name: "emergency",
    patterns: EMERGENCY,
    // A flow's emergency function (it leads to a node that says the instruction), else a transfer.
    tools: /emergenc|urgent|transfer|human|agent|operator|handoff|hand_off/i,
    prefer: [/emergenc/i, /urgent/i, /transfer/i],
    say: (ctx) => (isTransitionTool(ctx.tool) || /emergenc|urgent/i.test(ctx.afterTransition ?? "") ? null : (ctx.profile.emergencyInstruction ?? DEFAULT_EMERGENCY)),
    fill: (ctx) => ({ ...emergencyTarget(ctx), ...textParams(ctx, `Emergency: ${clean(ctx.texts.at(-1) ?? ctx.text)}`, undefined, true) }),
    withoutTool: (ctx) => ctx.profile.emergencyInstruction ?? DEFAULT_EMERGENCY,
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
    say: "Let me transfer you now.",
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
    // A slot taken from the ones just offered: "eleven thirty works", "the first one", "yes".
    when: (conv, text) => {
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
    tools: /faq|question|knowledge|lookup_info|info/i,
    answer: (ctx) => {
      const said = serviceAnswer(ctx.text, ctx.profile) ?? bestFact(ctx.text, ctx.profile.facts, 2);
      return said ? `${said} ${ANYTHING_ELSE}` : null;
    },
    withoutTool: `I'm sorry, I don't have that information. ${ANYTHING_ELSE}`,
    weak: true,
  },
];

/** Result phrasings for the tools the table's intents call, by the intent that owns the tool. */
export const resultPhrasings: Array<{ tools: RegExp; phrase: (result: unknown, args: Record<string, unknown>) => string | null }> = [
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

export { AFFIRMATIVE, ANYTHING_ELSE };
