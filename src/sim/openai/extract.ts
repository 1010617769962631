/**
 * Tool arguments from what the caller said: one extractor per kind of
 * parameter (a name, a phone number, a date, a time, an enum value, free
 * text…), and a classifier that picks the kind from the parameter's name,
 * JSON-schema type, format and description. Both are data the receptionist
 * can extend: pass more classifiers or extractors to createResponder.
 */
import type { JsonSchema } from "./conversation.ts";
import { type Clock, extractDate, extractTime } from "./dates.ts";

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
  | (string & {});

export interface ExtractContext extends Clock {
  /** The caller's utterances that may hold the value, latest first. */
  texts: string[];
  /** True when the bot's last question asked for exactly this parameter: texts[0] is the answer. */
  asked: boolean;
  param: string;
  schema: JsonSchema;
}

/** The value, or undefined when the caller has not given it. */
export type Extractor = (ctx: ExtractContext) => unknown;

export interface ParamClassifier {
  kind: ParamKind;
  test: (param: string, schema: JsonSchema) => boolean;
}

const typeIs = (schema: JsonSchema, t: string) => schema.type === t || (Array.isArray(schema.type) && schema.type.includes(t));

/** First match wins; the schema's own enum / type / format come before guesses from the name. */
export const defaultClassifiers: ParamClassifier[] = [
  { kind: "enum", test: (_, s) => Array.isArray(s.enum) && s.enum.length > 0 },
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
  "calling looking trying interested not just a an the going sorry fine good great here there wondering hoping ringing phoning after about with from in at on so very really also still well okay ok yes no sure afraid glad happy new booked available free busy".split(
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
  const intro = new RegExp(`\\b(?:my name is|my name's|name is|this is|i am|i'm|it's|call me|speaking)\\s+(${word}(?:\\s+${word}){0,2})`, "i");
  for (const [i, text] of ctx.texts.entries()) {
    const m = text.match(intro);
    if (m) {
      const words = m[1]!.split(/\s+/);
      // "I'm calling about…" is no name: a name is capitalised, or given when asked.
      const kept: string[] = [];
      for (const w of words) {
        if (NOT_A_NAME.has(w.toLowerCase()) || ["and", "i", "calling"].includes(w.toLowerCase())) break;
        if (!(ctx.asked && i === 0) && !/^[A-Z]/.test(w)) break;
        kept.push(w);
      }
      if (kept.length > 0) return titleCase(kept.join(" "));
    }
    if (ctx.asked && i === 0) {
      const answer = cleanAnswer(text).replace(/^(?:it's|it is|i'm|i am|this is|my name is)\s+/i, "");
      const words = answer.split(/\s+/).filter(Boolean);
      if (words.length >= 1 && words.length <= 4 && words.every((w) => /^[A-Za-z][A-Za-z'’.-]*$/.test(w))) return titleCase(answer);
    }
  }
  return undefined;
}

const DIGIT_WORDS: Record<string, string> = {
  zero: "0", oh: "0", o: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
};

/** Digits as said: "five five five, double one two three" → "5551123". */
function spokenDigits(text: string): string | null {
  let run = "";
  let best = "";
  let repeat = 1;
  for (const token of text.toLowerCase().split(/[\s,.-]+/)) {
    const d = DIGIT_WORDS[token] ?? (/^\d+$/.test(token) ? token : undefined);
    if (d !== undefined) {
      run += d.repeat(repeat);
      repeat = 1;
    } else if (token === "double" || token === "triple") repeat = token === "double" ? 2 : 3;
    else {
      repeat = 1;
      if (run.length > best.length) best = run;
      run = "";
    }
  }
  if (run.length > best.length) best = run;
  return best.length >= 7 ? best : null;
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
  return undefined;
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
    const m = text.match(/\b(?:about|regarding|because|saying|to say|to tell (?:him|her|them|you)(?: that)?|that says|concerning)\s+(.{3,})$/i);
    if (m) return m[1]!.trim().replace(/[.!?]+$/, "");
  }
  // A question or query is the caller's utterance itself.
  if (/question|query/i.test(ctx.param) && ctx.texts[0]) return ctx.texts[0].trim();
  return undefined;
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
};
