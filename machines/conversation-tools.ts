/**
 * Tool calls as the conversation runs them: arguments parsed (the model may
 * write invalid JSON), every outcome turned into a result string the model
 * reads (so it can retry), and a record for the journal. Pure.
 */
import type { ChatMessage, ToolCall } from "./ports/index.ts";
import type { ToolCallOutcome, ToolCallRecord } from "./conversation-types.ts";

export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseToolArguments(raw: string): ParsedArguments {
  // Models send "" for a tool without parameters.
  if (raw.trim() === "") return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, error: "the arguments must be a JSON object" };
    }
    return { ok: true, value: value as Record<string, unknown> };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function invalidArgumentsResult(call: ToolCall, error: string): string {
  return `error: the arguments for ${call.name} were not valid JSON (${error}). Call ${call.name} again with a JSON object that matches its parameters.`;
}

export function unknownToolResult(call: ToolCall): string {
  return `error: there is no tool named ${call.name}.`;
}

export function timeoutResult(call: ToolCall, timeoutMs: number): string {
  return `error: ${call.name} did not answer within ${Math.round(timeoutMs / 1000)} seconds.`;
}

export function errorResult(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error);
  return `error: ${message}`;
}

export const CANCELLED_RESULT = "error: cancelled, the caller interrupted before this finished.";
export const TOO_MANY_ROUNDS_RESULT = "error: too many tool calls in one reply; answer the caller with what you have.";

export function toolMessage(call: ToolCall, content: string): ChatMessage {
  return { role: "tool", toolCallId: call.id, content };
}

export function toolRecord(
  call: ToolCall,
  outcome: ToolCallOutcome,
  result: string,
  times: { startedAt: number | null; endedAt: number | null; turn: number | null; error?: string | null },
): ToolCallRecord {
  const { startedAt, endedAt } = times;
  return {
    id: call.id,
    name: call.name,
    arguments: call.arguments,
    outcome,
    result,
    error: times.error ?? (outcome === "ok" ? null : result),
    startedAt,
    endedAt,
    durationMs: startedAt !== null && endedAt !== null ? Math.max(0, endedAt - startedAt) : null,
    turn: times.turn,
  };
}
