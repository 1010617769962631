/**
 * Tool arguments from what the caller said: one extractor per kind of
 * parameter (a name, a phone number, a date, a time, an enum value, free
 * text…), and a classifier that picks the kind from the parameter's name,
 * JSON-schema type, format and description. Both are data the receptionist
 * can extend: pass more classifiers or extractors to createResponder.
 */
import type { JsonSchema } from "./conversation.ts";
import { type Clock, extractDate, extractTime } from "./dates.ts";
import { rescheduled } from "./rescheduling.ts";
import { extractPhone } from "./spoken-phone.ts";

export { extractPhone } from "./spoken-phone.ts";
import { type PromptProfile, readPrompt, type TransferTarget } from "./prompt.ts";

export type ParamKind =
  | "name"
  | "phone"
  | "email"
  | "date"
  | "time"
  | "datetime"
  | "integer"
  | "number"
  | "boolean"
  | "enum"
  | "text"
  | "string"
  | "department"
  | "urgency"
  | "service"
  | "old_date"
  | "old_time"
  | "new_date"
  | "new_time"
  | (string & {});

export interface ExtractContext extends Clock {
  /** The caller's utterances that may hold the value, latest first. */
  texts: string[];
  /** True when the bot's last question asked for exactly this parameter: texts[0] is the answer. */
  asked: boolean;
  param: string;
  schema: JsonSchema;
  /** The bot's last question before the caller's latest words ("" when none). */
  question?: string;
  /** What the system prompt says about the business (services, transfer targets…). */
  profile?: PromptProfile;
}

/** The value, or undefined when the caller has not given it. */
export type Extractor = (ctx: ExtractContext) => unknown;

export interface ParamClassifier {
  kind: ParamKind;
  test: (param: string, schema: JsonSchema) => boolean;
}

const typeIs = (schema: JsonSchema, t: string) => schema.type === t || (Array.isArray(schema.type) && schema.type.includes(t));

const OLD = /^(old|current|existing|original|previous|from|booked)_?|_?(old|current|existing|original|from)$/i;
const NEW = /^(new|to)_?|_?(new)$/i;

/** Parameters that name where a call goes, how urgent something is, which service is wanted (enum or free text). */
export const DEPARTMENT_PARAM = /^(target|department|dept|team|queue|destination|transfer_to|to|extension|who_to)$|_(target|department|team|queue)$/i;
export const URGENCY_PARAM = /urgen|priority|severity/i;
export const SERVICE_PARAM = /^(service|services|treatment|procedure|appointment_type|visit_type|service_type)$/i;

/** First match wins; the schema's own enum / type / format come before guesses from the name. */
export const defaultClassifiers: ParamClassifier[] = [
  { kind: "old_date", test: (p) => /date|day/i.test(p) && OLD.test(p.replace(/_?(date|day)_?/i, "")) },
  { kind: "old_time", test: (p) => /time/i.test(p) && OLD.test(p.replace(/_?time_?/i, "")) },
  { kind: "new_date", test: (p) => /date|day/i.test(p) && NEW.test(p.replace(/_?(date|day)_?/i, "")) },
  { kind: "new_time", test: (p) => /time/i.test(p) && NEW.test(p.replace(/_?time_?/i, "")) },
  { kind: "enum", test: (_, s) => Array.isArray(s.enum) && s.enum.length > 0 },
  { kind: "department", test: (p) => DEPARTMENT_PARAM.test(p) },
  { kind: "urgency", test: (p) => URGENCY_PARAM.test(p) },
  { kind: "service", test: (p) => SERVICE_PARAM.test(p) },
  { kind: "boolean", test: (_, s) => typeIs(s, "boolean") },
  { kind: "integer", test: (_, s) => typeIs(s, "integer") },
  { kind: "number", test: (_, s) => typeIs(s, "number") },
  { kind: "datetime", test: (p, s) => s.format === "date-time" || /datetime|date_time|start(s|_at)?$|when|slot/i.test(p) },
  { kind: "date", test: (p, s) => s.format === "date" || /date|day/i.test(p) },
  { kind: "time", test: (p, s) => s.format === "time" || /time/i.test(p) },
  { kind: "email", test: (p, s) => s.format === "email" || /e-?mail/i.test(p) },
  { kind: "phone", test: (p) => /phone|callback|call_back|mobile|cell|tel(ephone)?\b|number$/i.test(p) },
  { kind: "name", test: (p) => /name$|^name|caller$|patient$|who$/i.test(p) },
  { kind: "text", test: (p) => /reason|message|note|summary|detail|description|question|query|topic|request|issue|text|about|subject/i.test(p) },
];

export function classifyParam(param: string, schema: JsonSchema, classifiers: ParamClassifier[] = defaultClassifiers): ParamKind {
  for (const c of classifiers) if (c.test(param, schema)) return c.kind;
  return "string";
}

const NOT_A_NAME = new Set(
  "calling looking trying interested not just a an the going sorry back fine good great here there wondering hoping ringing phoning after about with from in at on so very really also still well okay ok yes no sure afraid glad happy new booked available free busy".split(
    " ",
  ),
);
/** Words no name is made of: an answer with one is a sentence, not a name ("do you take insurance"). */
const NOT_NAME_WORDS = new Set(
  "yes no yeah nope sure okay ok what when where why how who which do does did is are was were can could would will should you your i me my we our the a an to for of in on at with about and or but not it this that there here please thanks thank hi hello sorry need want like book cancel appointment number phone call".split(
    " ",
  ),
);
const FILLER = /^(?:(?:yes|yeah|yep|sure|ok(?:ay)?|so|well|um+|uh+|hi|hello|of course|certainly)[,.!]?\s+)+/i;

function titleCase(s: string): string {
  return s.replace(/\b([a-z])([a-z'’-]*)/g, (_, a: string, b: string) => a.toUpperCase() + b);
}

function cleanAnswer(text: string): string {
  return text.trim().replace(FILLER, "").replace(/[.!?]+$/, "").trim();
}

export function extractName(ctx: ExtractContext): string | undefined {
  const word = "[A-Za-z][A-Za-z'’-]+";
  const intro = new RegExp(`\\b(?:my name is|my name's|name is|this is|i am|i'm|it's|call me|speaking)\\s+(${word}(?:\\s+${word}){0,2})`, "gi");
  for (const [i, text] of ctx.texts.entries()) {
    for (const m of text.matchAll(intro)) {
      const words = m[1]!.split(/\s+/);
      // "I'm calling about…" is no name: a name is capitalised, or given when asked.
      const kept: string[] = [];
      // "my name is kevin" is a name however the recogniser cased it; after "this is" / "I'm" only a capital says so.
      const strong = /^(?:my name is|my name's|name is)$/i.test(m[0].slice(0, m[0].length - m[1]!.length).trim());
      for (const w of words) {
        if (NOT_A_NAME.has(w.toLowerCase()) || ["and", "i", "calling", "my", "is", "at", "from", "but"].includes(w.toLowerCase())) break;
        if (!(ctx.asked && i === 0) && !strong && !/^[A-Z]/.test(w)) break;
        kept.push(w);
      }
      if (kept.length > 0) return titleCase(kept.join(" "));
    }
    if (ctx.asked && i === 0) {
      // "Grace Liu, and my number is…": the name is the answer's first clause.
      const answer = cleanAnswer(text.split(/,|;|\s+and\s+|\.\s/)[0]!)
        .replace(/^(?:it's|it is|i'm|i am|this is|my name is|my name's|the name is|name's)\s+/i, "")
        .replace(/,?\s+(?:here|speaking|calling)$/i, "");
      const words = answer.split(/\s+/).filter(Boolean);
      if (words.length >= 1 && words.length <= 4 && words.every((w) => /^[A-Za-z][A-Za-z'’.-]*$/.test(w) && !NOT_NAME_WORDS.has(w.toLowerCase()))) {
        return titleCase(answer);
      }
    }
  }
  return undefined;
}

export function extractEmail(ctx: ExtractContext): string | undefined {
  for (const [i, text] of ctx.texts.entries()) {
    const m = text.match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/);
    if (m) return m[0].toLowerCase();
    if (ctx.asked && i === 0) {
      // "john dot smith at example dot com"
      const spoken = cleanAnswer(text).toLowerCase().replace(/\s+at\s+/g, "@").replace(/\s+dot\s+/g, ".").replace(/\s+/g, "");
      if (/^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/.test(spoken)) return spoken;
    }
  }
  return undefined;
}

export function extractDateParam(ctx: ExtractContext): string | undefined {
  for (const text of ctx.texts) {
    const d = extractDate(text, ctx);
    if (d) return d;
  }
  return undefined;
}

export function extractTimeParam(ctx: ExtractContext): string | undefined {
  for (const text of ctx.texts) {
    const t = extractTime(text);
    if (t) return t;
  }
  // The answer to "What time would suit you?" may be a bare hour: "ten", "two please", "um, eleven".
  const answer = ctx.asked ? ctx.texts[0]?.replace(/^\W*(?:(?:uh+|um+|so|maybe|how about|let'?s say|say|about|around|at)\W+)*/i, "") : undefined;
  return answer ? (extractTime(`at ${answer}`) ?? undefined) : undefined;
}

/** Date and time may come in different utterances ("Friday" … "at 3"): YYYY-MM-DDTHH:MM, local to the clock's zone. */
export function extractDateTime(ctx: ExtractContext): string | undefined {
  const date = extractDateParam(ctx);
  const time = extractTimeParam(ctx);
  return date && time ? `${date}T${time}` : undefined;
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, couple: 2,
};

function firstNumber(text: string, integer: boolean): number | undefined {
  const m = text.match(integer ? /-?\d+/ : /-?\d+(?:\.\d+)?/);
  if (m) return Number(m[0]);
  for (const w of text.toLowerCase().split(/\W+/)) if (NUMBER_WORDS[w] !== undefined) return NUMBER_WORDS[w];
  return undefined;
}

/** Numbers only when asked for: a bare "3" in "book me at 3" is a time, not a count. */
export const extractInteger: Extractor = (ctx) => (ctx.asked ? firstNumber(ctx.texts[0] ?? "", true) : undefined);
export const extractNumber: Extractor = (ctx) => (ctx.asked ? firstNumber(ctx.texts[0] ?? "", false) : undefined);

export const extractBoolean: Extractor = (ctx) => {
  const words = (ctx.param.replace(/^is_|^has_/, "").match(/[a-z]+/gi) ?? []).map((w) => w.toLowerCase());
  for (const [i, text] of ctx.texts.entries()) {
    const s = text.toLowerCase();
    if (ctx.asked && i === 0) {
      if (/\b(no|nope|not|don't|do not|negative)\b/.test(s)) return false;
      if (/\b(yes|yeah|yep|sure|correct|right|please|absolutely|definitely)\b/.test(s)) return true;
    }
    // A flag named by the caller: "urgent" for `urgent`, "it's an emergency" for `is_emergency`.
    if (words.some((w) => w.length >= 4 && s.includes(w))) return true;
  }
  return undefined;
};

export const extractEnum: Extractor = (ctx) => {
  // An enum of departments, urgencies or services is read the way callers name them.
  if (DEPARTMENT_PARAM.test(ctx.param)) return extractDepartment(ctx);
  if (URGENCY_PARAM.test(ctx.param)) return extractUrgency(ctx);
  if (SERVICE_PARAM.test(ctx.param)) return extractService(ctx);
  const values = (ctx.schema.enum ?? []).filter((v): v is string | number => typeof v === "string" || typeof v === "number");
  for (const text of ctx.texts) {
    const s = ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, " ")} `;
    // Longest value first, so "after hours" wins over "hours".
    for (const v of [...values].sort((a, b) => String(b).length - String(a).length)) {
      const spoken = String(v).toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
      if (spoken && s.includes(` ${spoken} `)) return v;
    }
  }
  return undefined;
};

/** Free text: the clause after "about / regarding / saying", or the whole answer when asked. */
export const extractText: Extractor = (ctx) => {
  for (const [i, text] of ctx.texts.entries()) {
    if (ctx.asked && i === 0) return cleanAnswer(text);
    // "Tell the doctor I'm running late", "let her know that…": the words relayed are the message.
    const relayed = text.match(/\b(?:tell|let) (?!me\b|us\b)(?:him|her|them|the [a-z]+|dr\.? [a-z]+|[a-z]+)(?: know)?(?: that)? (.{3,})$/i);
    if (relayed && !/^(know|that)$/i.test(relayed[1]!.trim())) return relayed[1]!.trim().replace(/[.!?]+$/, "");
    // Not "how about 11:30" / "what about Monday": a suggestion, no topic.
    const m = text.match(/(?<!\b(?:how|what) )\b(?:about|regarding|because|saying|to say|to tell (?:him|her|them|you)(?: that)?|that says|concerning)\s+(.{3,})$/i);
    if (m) return m[1]!.trim().replace(/[.!?]+$/, "");
  }
  // A question or query is the caller's utterance itself.
  if (/question|query/i.test(ctx.param) && ctx.texts[0]) return ctx.texts[0].trim();
  return undefined;
};

/** Words that name a department, by the target they usually mean (matched against the offered names). */
const DEPARTMENT_WORDS: Array<[RegExp, RegExp]> = [
  [/\bon[- ]?call\b|\bafter[- ]hours (doctor|nurse|provider)\b/, /on_?call|emergenc|after_?hours/],
  // An installation wanted, not one done ("where you installed the panels" is for support).
  [/\b(sales|sell|buy|buying|purchase|quote|quotes|pricing for|new (system|customer|order))\b|\b(get|want|have|need|like|looking)\b[\w ]{0,20}\binstall(ed|ation)?\b/, /sales|new_?business/],
  [/\b(support|tech(nical)?|help ?desk|customer service|customer support|service desk|repair|not working|stopped working|broken|error|outage|troubleshoot)\b/, /support|service|tech|help/],
  // A charge on a bill, not a battery's charge ("isn't holding a charge" is for support).
  [/\b(billing|bill|bills|invoice|invoices|payment|payments|charges|charged|refund|account(s|ing)?|balance)\b|\b(?<!(hold|holding|keep|keeping|take|taking|hold a|holding a|keep a|keeping a|take a|taking a|full|a full) )charge\b(?! (my|the|a|it|up|fully))/, /billing|accounts?|payment|finance/],
  [/\b(nurse|nurse line)\b/, /nurse/],
  [/\b(doctor|dr\.?|dentist|physician|provider|hygienist)\b/, /doctor|dentist|provider|clinical|nurse/],
  [/\b(front desk|reception|receptionist|office|manager|operator)\b/, /front_?desk|reception|office|general|operator|main/],
];
/**
 * "Someone", "a person": no department of their own. They name one only when nothing else the
 * caller said does — "can someone walk me through going solar" is for sales (the topic decides).
 */
const ANY_PERSON: [RegExp, RegExp] = [/\b(someone|somebody|a person|human|anyone|staff)\b/, /front_?desk|reception|office|general|operator|main/];

function spokenName(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

/**
 * A transfer target: a value of the offered enum (or of the prompt's "Transfer
 * targets:" list) said outright, then one a synonym or the target's description
 * points to ("a quote" → sales), else the front desk (or the only target).
 */
export const extractDepartment: Extractor = (ctx) => {
  const fromEnum = (ctx.schema.enum ?? []).filter((v): v is string => typeof v === "string");
  const listed = fromEnum.length ? fromEnum : (ctx.profile?.transferTargets.map((t) => t.name) ?? []);
  const said = ` ${ctx.texts.join(" \n ").toLowerCase().replace(/[^a-z0-9\n]+/g, " ")} `;
  if (listed.length === 0) {
    for (const [words] of [...DEPARTMENT_WORDS, ANY_PERSON]) {
      const m = said.match(words);
      if (m) return m[0].trim().replace(/\s+/g, "_");
    }
    return ctx.asked && ctx.texts[0] ? cleanAnswer(ctx.texts[0]) : undefined;
  }
  for (const text of ctx.texts) {
    const s = ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, " ")} `;
    for (const v of [...listed].sort((a, b) => b.length - a.length)) if (s.includes(` ${spokenName(v)} `)) return v;
    for (const [words, target] of DEPARTMENT_WORDS) {
      if (!words.test(text.toLowerCase())) continue;
      const v = listed.find((x) => target.test(x.toLowerCase()));
      if (v) return v;
    }
    const described = describedTarget(text, ctx.profile?.transferTargets ?? []);
    if (described && listed.includes(described)) return described;
  }
  return undefined;
};

/** Where a caller who named no department goes: the only target, else the front desk. */
export function defaultDepartment(values: string[]): string | undefined {
  return values.length === 1 ? values[0] : values.find((x) => /front_?desk|reception|office|general|operator|main/i.test(x));
}

/** The target whose description in the prompt names what the caller wants ("a quote" → "sales (new systems and quotes)"). */
function describedTarget(text: string, targets: TransferTarget[]): string | null {
  const s = ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, " ")} `;
  // The target whose description the caller's words touch most ("my system's monitoring is offline": support's
  // "existing systems, repairs, monitoring" over sales' "new systems and quotes"); the first listed on a tie.
  let best: { name: string; hits: number } | null = null;
  for (const t of targets) {
    // The on-call line is for emergencies, chosen by name or by the emergency itself, never by a word of its description.
    if (/on_?call|emergenc/i.test(`${t.name} ${t.description}`)) continue;
    const described = (t.description.toLowerCase().match(/[a-z]{5,}/g) ?? []).filter((w) => !["anything", "existing", "general", "questions", "other", "things", "about"].includes(w));
    const hits = described.filter((w) => s.includes(` ${w.replace(/(es|s)$/, "")}`)).length;
    if (hits > (best?.hits ?? 0)) best = { name: t.name, hits };
  }
  return best?.name ?? null;
}

export function targetByDescription(text: string, system: string): string | null {
  return describedTarget(text, readPrompt(system).transferTargets);
}

/** Urgency: said outright, or as callers say it ("as soon as possible", "no rush"); otherwise the schema's normal value. */
export const extractUrgency: Extractor = (ctx) => {
  const values = (ctx.schema.enum ?? []).filter((v): v is string => typeof v === "string");
  const pick = (...names: string[]) => names.map((n) => values.find((v) => v.toLowerCase() === n)).find(Boolean);
  const all = ctx.texts.join(" ").toLowerCase();
  if (values.length === 0) {
    if (/\b(urgent|emergency|asap|as soon as possible|right away|immediately)\b/.test(all)) return typeof ctx.schema.type === "string" && ctx.schema.type === "boolean" ? true : "urgent";
    return undefined;
  }
  for (const v of [...values].sort((a, b) => b.length - a.length)) if (new RegExp(`\\b${spokenName(v)}\\b`).test(all.replace(/[^a-z0-9]+/g, " ")) && !/\bnot (very )?urgent\b/.test(all)) return v;
  if (/\b(no rush|not urgent|whenever|no hurry|when(ever)? (you|they|someone) (can|get a chance)|not (that |very )?important)\b/.test(all)) return pick("low", "normal");
  if (/\b(emergency|asap|as soon as possible|right away|immediately|straight away|tonight|really need|very important)\b/.test(all)) return pick("urgent", "high");
  if (/\b(soon|today|important)\b/.test(all)) return pick("high", "urgent");
  return pick("normal", "medium", "low");
};

function looseWords(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter((w) => w.length >= 3 && !["the", "and", "for", "visit", "teeth", "appointment"].includes(w))
    .map((w) => w.replace(/(ing|ed|s)$/, "").replace(/-/g, ""));
}

/** A service: an enum value or one the profile lists ("Services: cleaning, check-up…"), as the caller named it ("checkup", "teeth cleaned"). */
export const extractService: Extractor = (ctx) => {
  const fromEnum = (ctx.schema.enum ?? []).filter((v): v is string => typeof v === "string");
  const known = fromEnum.length ? fromEnum : (ctx.profile?.services ?? []);
  for (const text of ctx.texts) {
    const said = ` ${looseWords(text.replace(/check[- ]up/gi, "checkup")).join(" ")} `;
    let best: { v: string; n: number } | null = null;
    for (const v of known) {
      const words = looseWords(v.replace(/check[- ]up/gi, "checkup"));
      const n = words.filter((w) => said.includes(` ${w} `)).length;
      if (n > 0 && n === words.length && (!best || n > best.n)) best = { v, n };
    }
    if (best) return best.v;
  }
  return ctx.asked && ctx.texts[0] && !fromEnum.length ? cleanAnswer(ctx.texts[0]) : undefined;
};

export const extractString: Extractor = (ctx) => (ctx.asked && ctx.texts[0] ? cleanAnswer(ctx.texts[0]) || undefined : undefined);

export const defaultExtractors: Record<string, Extractor> = {
  name: extractName,
  phone: extractPhone,
  email: extractEmail,
  date: extractDateParam,
  time: extractTimeParam,
  datetime: extractDateTime,
  integer: extractInteger,
  number: extractNumber,
  boolean: extractBoolean,
  enum: extractEnum,
  text: extractText,
  string: extractString,
  department: extractDepartment,
  urgency: extractUrgency,
  service: extractService,
  old_date: rescheduled("old", "date"),
  old_time: rescheduled("old", "time"),
  new_date: rescheduled("new", "date"),
  new_time: rescheduled("new", "time"),
};
