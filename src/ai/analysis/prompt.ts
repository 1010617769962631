/**
 * The analysis request's messages, from a stored conversation: our own
 * instructions to the analyst, then the call as JSON — the transcript, the
 * flow's node path, the tool calls with what the model was told of their
 * results, and how the call ended. The bot's system prompt is not part of it
 * (the row it is built from has none): the analysis is about the caller.
 */
import type { ChatMessage } from "../../../machines/ports/language-model.ts";
import type { StoredFlowVisit, StoredToolCall, StoredTranscriptEntry } from "../../db/schema.ts";

/** What of a conversation the analysis reads. */
export interface AnalysisSource {
  outcome: string | null;
  endCause: string | null;
  transcript: StoredTranscriptEntry[];
  toolCalls: StoredToolCall[];
  flowPath: StoredFlowVisit[] | null;
}

/** The analysis input sent as the user message: plain JSON the simulated OpenAI parses too. */
export interface AnalysisInput {
  outcome: string | null;
  end_cause: string | null;
  node_path: Array<{ node: string; via: string | null }>;
  transcript: Array<{ who: "caller" | "bot"; text: string; interrupted?: true }>;
  tool_calls: Array<{ name: string; arguments: string; outcome: string; result: string }>;
}

export const ANALYST_INSTRUCTIONS = [
  "You analyse a finished phone call between a caller and an AI receptionist.",
  "The user message is the call as JSON: how it ended, the receptionist flow's node path, the transcript, and the tools the receptionist called with their results.",
  "Answer with the JSON the schema asks for, from what the call shows only — never invent a name, number or appointment.",
  "An appointment counts only when a booking or reschedule tool succeeded and no later cancellation undid it; give its start in the business's local time as YYYY-MM-DDTHH:MM, as the tool result states it.",
  "The caller's name and callback number are the ones they gave (the tool arguments hold them as recorded).",
  "Success means the caller got what they called for: booked, rescheduled or cancelled as asked, a message taken, a question answered, or transferred.",
].join("\n");

/** Longest text per transcript entry / tool result sent: a runaway entry must not make the request unbounded. */
const MAX_ENTRY_CHARS = 2000;
const clip = (s: string) => (s.length > MAX_ENTRY_CHARS ? `${s.slice(0, MAX_ENTRY_CHARS)}…` : s);

export function analysisInput(source: AnalysisSource): AnalysisInput {
  return {
    outcome: source.outcome,
    end_cause: source.endCause,
    node_path: (source.flowPath ?? []).map((v) => ({ node: v.node, via: v.via })),
    transcript: source.transcript
      .filter((e) => e.text.trim() !== "")
      .map((e) => ({ who: e.who, text: clip(e.text), ...(e.interrupted ? { interrupted: true as const } : {}) })),
    tool_calls: source.toolCalls.map((t) => ({ name: t.name, arguments: clip(t.arguments), outcome: t.outcome, result: clip(t.result) })),
  };
}

/** Did the caller say anything? A call nobody spoke on has nothing to analyse. */
export function callerSpoke(source: AnalysisSource): boolean {
  return source.transcript.some((e) => e.who === "caller" && e.text.trim() !== "");
}

export function analysisMessages(source: AnalysisSource): ChatMessage[] {
  return [
    { role: "system", content: ANALYST_INSTRUCTIONS },
    { role: "user", content: JSON.stringify(analysisInput(source)) },
  ];
}
