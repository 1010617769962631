/**
 * The responder's words: greeting, questions for missing arguments, small
 * talk, and the generic phrasing of a tool's result. Deterministic: the same
 * conversation always gets the same words, and sentences end with . ? or !
 * so a pipeline that speaks the first sentence early has sentences to find.
 */
import type { JsonSchema } from "./conversation.ts";
import type { ParamKind } from "./extract.ts";

export function businessName(system: string): string | null {
  const m = system.match(/\b(?:for|at|of)\s+((?:[A-Z][\w&'’.-]*[ ]?){1,5})/);
  if (!m) return null;
  const name = m[1]!.trim().replace(/[.,]$/, "");
  return name.length > 1 ? name : null;
}

export function greeting(system: string): string {
  // A first line the prompt spells out: Greet the caller with "…" / First message: "…"
  const scripted = system.match(/(?:greet (?:the )?(?:caller|user) with|first message|greeting)\s*:?\s*["“]([^"”]+)["”]/i);
  if (scripted) return scripted[1]!;
  const name = businessName(system);
  return name ? `Hello, thank you for calling ${name}. How can I help you today?` : "Hello, thank you for calling. How can I help you today?";
}

function words(param: string): string {
  return param
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
}

export function question(kind: ParamKind, param: string, schema: JsonSchema): string {
  switch (kind) {
    case "name":
      return "May I have your name, please?";
    case "phone":
      return "What's the best phone number to reach you?";
    case "email":
      return "What's your email address?";
    case "date":
      return "What day would you like?";
    case "time":
      return "What time would suit you?";
    case "datetime":
      return "What day and time would you like?";
    case "enum": {
      const values = (schema.enum ?? []).map((v) => words(String(v)));
      const list = values.length > 1 ? `${values.slice(0, -1).join(", ")} or ${values.at(-1)}` : (values[0] ?? "");
      return `Would that be ${list}?`;
    }
    case "text":
      if (/message/i.test(param)) return "What would you like the message to say?";
      if (/reason|about|subject|topic/i.test(param)) return "What is it regarding?";
      if (/question|query/i.test(param)) return "What would you like to know?";
      break;
  }
  const description = typeof schema.description === "string" ? schema.description.trim().replace(/[.?!]+$/, "") : "";
  return description ? `Could you tell me ${description.charAt(0).toLowerCase()}${description.slice(1)}?` : `Could you tell me the ${words(param)}?`;
}

const FOLLOW_UPS = ["How can I help you with that?", "Could you tell me a little more?", "Is there anything else I can help you with?"];

/** Small talk when no intent fits: greet back, thank, or echo the caller's words and ask on. */
export function smallTalk(text: string, turn: number, business: string | null = null): string {
  const said = text.trim().replace(/[.!?]+$/, "");
  // "Is this Brightline?": yes when the name is the business's, else the business's name.
  const reached = said.match(/\b(?:is this|have i reached|am i speaking (?:to|with))\s+(?:the\s+)?(.+)$/i);
  if (reached && business) {
    const named = (reached[1]!.toLowerCase().match(/[a-z]{4,}/g) ?? []).some((w) => business.toLowerCase().includes(w));
    return named ? `Yes, this is ${business}. How can I help you today?` : `This is ${business}. How can I help you today?`;
  }
  if (/\b(are you there|is (?:any|some)(?:one|body) there|can you hear me)$/i.test(said)) return "Yes, I'm here. How can I help you today?";
  if (/^(hi|hello|hey|good (morning|afternoon|evening))\b/i.test(said) && said.split(/\s+/).length <= 4) {
    return "Hello! How can I help you today?";
  }
  if (/\b(thank you|thanks)\b/i.test(said)) return "You're welcome! Is there anything else I can help you with?";
  if (!said) return "Sorry, I didn't catch that. Could you say it again?";
  if (/\?\s*$/.test(text) || /^(what|when|where|how|why|do|does|are|is|can|could|which|who)\b/i.test(said)) {
    return "I'm sorry, I don't have that information. Is there anything else I can help you with?";
  }
  return `You said: ${said}. ${FOLLOW_UPS[turn % FOLLOW_UPS.length]}`;
}

export const ANYTHING_ELSE = "Is there anything else I can help you with?";

function toolWords(name: string): string {
  return words(name);
}

/** Scalar facts of a result object, without ids (the caller never hears an internal id). */
function facts(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (/(^|_)id$|Id$|^id_|token|secret|password/i.test(k)) continue;
    if (["ok", "success", "status", "message", "error"].includes(k)) continue;
    if (typeof v === "string" || typeof v === "number") parts.push(`${words(k)} ${v}`);
    else if (typeof v === "boolean") parts.push(`${words(k)} ${v ? "yes" : "no"}`);
  }
  return parts.slice(0, 4).join(", ");
}

function listItem(v: unknown): string | null {
  if (typeof v === "string" || typeof v === "number") return String(v);
  if (v && typeof v === "object") {
    const first = Object.entries(v).find(([k, x]) => !/id$/i.test(k) && (typeof x === "string" || typeof x === "number"));
    return first ? String(first[1]) : null;
  }
  return null;
}

/** A tool's result as a sentence, when the intent has no phrasing of its own. */
export function phraseToolResult(tool: string, resultText: string): string {
  let result: unknown;
  try {
    result = JSON.parse(resultText);
  } catch {
    result = resultText;
  }
  if (typeof result === "string") return result.trim() ? ensureSentence(result.trim()) : `That's done.`;
  if (Array.isArray(result)) {
    const items = result.map(listItem).filter((x): x is string => x !== null);
    if (items.length === 0) return "I'm sorry, I couldn't find anything.";
    return `I found ${items.length}: ${items.slice(0, 5).join(", ")}.`;
  }
  if (result && typeof result === "object") {
    const r = result as Record<string, unknown>;
    const spoken = ["say", "message", "summary", "text", "answer", "result"].map((k) => r[k]).find((v) => typeof v === "string" && v.trim());
    const failed = r.ok === false || r.success === false || typeof r.error === "string";
    if (failed) {
      const why = typeof r.error === "string" ? r.error : typeof spoken === "string" ? spoken : "";
      return why ? `I'm sorry, that didn't work: ${ensureSentence(why)}` : "I'm sorry, that didn't work.";
    }
    if (typeof spoken === "string") return ensureSentence(spoken.trim());
    const f = facts(r);
    return f ? `Done: ${f}.` : `Done, the ${toolWords(tool)} went through.`;
  }
  return "That's done.";
}

function ensureSentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
