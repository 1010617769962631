/**
 * The simulated model's post-call analysis: a chat completion whose
 * `response_format` is `{type: "json_schema", json_schema: {name:
 * "post_call_analysis"}}` is answered with that JSON as the message content,
 * as structured outputs answer — worked out by rules from the call the user
 * message carries (transcript, node path, tool calls and their results), never
 * by the conversation responder. The tool results are the facts: an
 * appointment is one a booking tool confirmed and nothing cancelled after, a
 * callback number is the one a tool recorded.
 */
import type { ChatRequestBody } from "./chat-request.ts";

/** The schema name the runtime's analysis request carries (the wire agreement, src/ai/analysis/schema.ts). */
export const ANALYSIS_SCHEMA_NAME = "post_call_analysis";

interface CallRecord {
  transcript: Array<{ who: string; text: string }>;
  tool_calls: Array<{ name: string; arguments: string; outcome: string; result: string }>;
  node_path: Array<{ node: string; via: string | null }>;
  outcome: string | null;
}

export interface AnalysisAnswer {
  summary: string;
  caller_name: string | null;
  reason: string | null;
  callback_number: string | null;
  appointment: { start: string; service: string | null } | null;
  success: boolean;
  outcome_reason: string;
}

/** The request asks for the post-call analysis (structured outputs with our schema name). */
export function isAnalysisRequest(body: ChatRequestBody): boolean {
  const format = (body as { response_format?: unknown }).response_format as { type?: unknown; json_schema?: { name?: unknown } } | undefined;
  return format?.type === "json_schema" && format.json_schema?.name === ANALYSIS_SCHEMA_NAME;
}

/** The message content: the analysis as JSON text. */
export function analysisContent(body: ChatRequestBody): string {
  return JSON.stringify(analyseCall(callOf(body)));
}

function callOf(body: ChatRequestBody): CallRecord {
  const empty: CallRecord = { transcript: [], tool_calls: [], node_path: [], outcome: null };
  const user = [...body.messages].reverse().find((m) => m.role === "user");
  const text = typeof user?.content === "string" ? user.content : "";
  try {
    const parsed = JSON.parse(text) as Partial<CallRecord>;
    return {
      transcript: Array.isArray(parsed.transcript) ? parsed.transcript.filter((e) => typeof e?.text === "string") : [],
      tool_calls: Array.isArray(parsed.tool_calls) ? parsed.tool_calls.filter((t) => typeof t?.name === "string") : [],
      node_path: Array.isArray(parsed.node_path) ? parsed.node_path : [],
      outcome: typeof parsed.outcome === "string" ? parsed.outcome : null,
    };
  } catch {
    return empty; // not the runtime's shape: a model would still answer, saying it could not tell
  }
}

interface ToolOutcome {
  name: string;
  args: Record<string, unknown>;
  result: Record<string, unknown>;
  ok: boolean;
}

function json(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

/** Capitalised as a name is written ("ann lee" → "Ann Lee"); the recogniser's words come in lower case. */
const asName = (s: string) => s.replace(/(^|[\s'-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

export function analyseCall(call: CallRecord): AnalysisAnswer {
  const tools: ToolOutcome[] = call.tool_calls.map((t) => {
    const result = json(t.result);
    return { name: t.name, args: json(t.arguments), result, ok: t.outcome === "ok" && result.ok === true };
  });
  const succeeded = (name: string) => tools.filter((t) => t.ok && t.name === name);
  const callerLines = call.transcript.filter((e) => e.who === "caller").map((e) => e.text.trim()).filter(Boolean);

  // The appointment the call ended with: the last confirmed booking or reschedule, unless a cancellation came after it.
  let appointment: AnalysisAnswer["appointment"] = null;
  for (const t of tools) {
    if (!t.ok) continue;
    if (t.name === "book_appointment" || t.name === "reschedule_appointment") {
      const date = str(t.result.date) ?? str(t.args.date);
      const time = str(t.result.time) ?? str(t.args.time);
      if (date && time) appointment = { start: `${date}T${time}`, service: str(t.result.service) ?? str(t.args.service) };
    } else if (t.name === "cancel_appointment") appointment = null;
  }

  const named = tools.filter((t) => t.ok).map((t) => str(t.result.name) ?? str(t.args.name)).find(Boolean) ?? tools.map((t) => str(t.args.name)).find(Boolean) ?? nameSaid(callerLines);
  const callerName = named ? asName(named) : null;
  const callbackNumber =
    [...succeeded("take_message"), ...tools.filter((t) => t.ok)].map((t) => str(t.args.callback_number) ?? str(t.args.phone)).find(Boolean) ?? null;

  const message = succeeded("take_message")[0];
  const booked = [...succeeded("book_appointment"), ...succeeded("reschedule_appointment")].at(-1);
  const cancelled = succeeded("cancel_appointment")[0];
  const transferred = succeeded("transfer_to_human")[0];
  const answered = succeeded("answer_faq")[0];
  const lostSlot = tools.some((t) => t.name === "book_appointment" && t.result.status === "slot_taken");
  const who = callerName ?? "The caller";
  const asked = answeredInWords(call.transcript);

  let reason: string | null;
  let summary: string;
  let success: boolean;
  let outcomeReason: string;
  if (appointment && booked) {
    const what = appointment.service ?? "an appointment";
    const verb = booked.name === "reschedule_appointment" ? "reschedule" : "book";
    reason = `${verb} ${appointment.service ? `a ${appointment.service}` : "an appointment"}`;
    summary = `${who} called to ${reason}. The receptionist ${verb === "book" ? "booked" : "moved"} ${what} for ${appointment.start.replace("T", " at ")}${lostSlot ? " after the first time asked for was taken" : ""}.`;
    success = true;
    outcomeReason = `The ${what} was ${verb === "book" ? "booked" : "rescheduled"} for ${appointment.start.replace("T", " at ")}.`;
  } else if (cancelled) {
    reason = "cancel an appointment";
    summary = `${who} called to cancel an appointment, and it was cancelled.`;
    success = true;
    outcomeReason = "The appointment was cancelled as asked.";
  } else if (message) {
    reason = str(message.args.reason) ?? "leave a message";
    summary = `${who} left a message: ${reason}. The office will call back${callbackNumber ? ` on ${callbackNumber}` : ""}.`;
    success = true;
    outcomeReason = "A message was taken for a call back.";
  } else if (transferred) {
    const target = str(transferred.args.target) ?? str(transferred.args.department) ?? "a person";
    reason = `speak to ${target}`;
    summary = `${who} asked to speak to ${target} and was transferred.`;
    success = true;
    outcomeReason = `The caller was transferred to ${target}.`;
  } else if (answered) {
    reason = str(answered.args.question) ?? clip(callerLines[0] ?? "") ?? "ask a question";
    summary = `${who} asked: ${reason}. The receptionist answered from the business's information.`;
    success = true;
    outcomeReason = "The caller's question was answered.";
  } else if (asked !== null && tools.every((t) => t.ok)) {
    // A question the receptionist answered from the profile in its own words, with no tool (and none failed).
    reason = clip(asked) ?? "ask a question";
    summary = `${who} asked: ${reason}. The receptionist answered from the business's information.`;
    success = true;
    outcomeReason = "The caller's question was answered.";
  } else {
    reason = clip(callerLines[0] ?? "");
    success = false;
    outcomeReason = lostSlot
      ? "The time the caller wanted was taken, and no other time was booked."
      : callerLines.length === 0
        ? "The caller said nothing the receptionist could act on."
        : "Nothing the caller asked for was booked, recorded or answered by a tool.";
    summary = callerLines.length === 0 ? "The call ended before the caller said anything." : `${who} called${reason ? ` saying "${reason}"` : ""}. ${outcomeReason}`;
  }
  return { summary, caller_name: callerName, reason, callback_number: callbackNumber, appointment, success, outcome_reason: outcomeReason };
}

const QUESTION = /\?|^(hi|hello|hey)?[ ,]*(what|when|where|how|do|does|are|is|can|could|will)\b/i;
const NOT_ANSWERED = /\b(don't have|do not have|can't help|cannot help|not sure|couldn't|could not|didn't catch|did not catch|say that again)\b/i;

/** The first caller question whose next bot line answers it (not an apology or a "say again"), or null. */
function answeredInWords(transcript: CallRecord["transcript"]): string | null {
  for (let i = 0; i < transcript.length - 1; i++) {
    const line = transcript[i]!;
    const next = transcript[i + 1]!;
    if (line.who === "caller" && QUESTION.test(line.text.trim()) && next.who === "bot" && !NOT_ANSWERED.test(next.text)) return line.text.trim();
  }
  return null;
}

/** "my name is Ann Lee", "this is Ann", "it's Ann Lee" (as the answer to "may I have your name"). */
function nameSaid(lines: string[]): string | null {
  for (const line of lines) {
    const m = line.match(/\b(?:my name is|my name's|this is|i am|i'm)\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)/i);
    if (m && !/^(calling|looking|trying|wondering|not|just|a|an|the)\b/i.test(m[1]!)) return m[1]!;
  }
  return null;
}

function clip(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  return t.length > 120 ? `${t.slice(0, 117)}…` : t;
}
