/**
 * The conversation as the responder reads it: plain text per turn, the tool
 * calls and results paired, the tools on offer. Built from a validated
 * request; the responder never sees wire shapes.
 */
import type { ChatRequestBody, WireMessage } from "./chat-request.ts";

export interface OfferedTool {
  name: string;
  description: string;
  /** JSON schema of the arguments object ({} when the tool declared none). */
  parameters: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  format?: string;
  description?: string;
  [key: string]: unknown;
}

export interface ToolCallTurn {
  id: string;
  name: string;
  arguments: string;
}

export type Turn =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; toolCalls: ToolCallTurn[] }
  | { role: "tool"; toolCallId: string; text: string; call: ToolCallTurn | null };

export interface Conversation {
  model: string;
  /** System and developer messages, joined. */
  system: string;
  /**
   * The system messages said after the conversation began, each with where it came (`at`: the
   * number of turns before it), e.g. the runtime's "The caller described an emergency;
   * report_emergency was called and its instruction given." right after the caller's words.
   */
  notes?: Array<{ at: number; text: string }>;
  turns: Turn[];
  tools: OfferedTool[];
  /** tool_choice: "required" or a named function forces a call. */
  mustCallTool: boolean;
}

function textOf(content: WireMessage["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((p) => (p.type === "text" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : ""))
    .filter(Boolean)
    .join("\n");
}

export function conversationOf(body: ChatRequestBody): Conversation {
  const system: string[] = [];
  const notes: Array<{ at: number; text: string }> = [];
  const turns: Turn[] = [];
  const calls = new Map<string, ToolCallTurn>();
  for (const m of body.messages) {
    switch (m.role) {
      case "system":
      case "developer":
        system.push(textOf(m.content));
        if (turns.length > 0) notes.push({ at: turns.length, text: textOf(m.content) });
        break;
      case "user":
        turns.push({ role: "user", text: textOf(m.content) });
        break;
      case "assistant": {
        const toolCalls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
        for (const c of toolCalls) calls.set(c.id, c);
        turns.push({ role: "assistant", text: textOf(m.content), toolCalls });
        break;
      }
      case "tool":
        turns.push({ role: "tool", toolCallId: m.tool_call_id, text: textOf(m.content), call: calls.get(m.tool_call_id) ?? null });
        break;
    }
  }
  let tools: OfferedTool[] = (body.tools ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description ?? "",
    parameters: (t.function.parameters ?? {}) as JsonSchema,
  }));
  const choice = body.tool_choice;
  if (choice === "none") tools = [];
  else if (typeof choice === "object") tools = tools.filter((t) => t.name === choice.function.name);
  return {
    model: body.model,
    system: system.join("\n"),
    notes,
    turns,
    tools,
    mustCallTool: choice === "required" || typeof choice === "object",
  };
}

export function lastUserText(conv: Conversation): string | null {
  for (let i = conv.turns.length - 1; i >= 0; i--) {
    const t = conv.turns[i]!;
    if (t.role === "user") return t.text;
  }
  return null;
}

/** The tool results at the end of the conversation (the turn the model must now phrase). */
export function trailingToolResults(conv: Conversation): Array<Extract<Turn, { role: "tool" }>> {
  const out: Array<Extract<Turn, { role: "tool" }>> = [];
  for (let i = conv.turns.length - 1; i >= 0; i--) {
    const t = conv.turns[i]!;
    if (t.role !== "tool") break;
    out.unshift(t);
  }
  return out;
}

/** The notes said after the turn at `index` and before the caller spoke again: what happened in answer to those words. */
export function notesAfter(conv: Conversation, index: number): string[] {
  let next = conv.turns.length;
  for (let i = index + 1; i < conv.turns.length; i++) if (conv.turns[i]!.role === "user") { next = i; break; }
  return (conv.notes ?? []).filter((n) => n.at > index && n.at <= next).map((n) => n.text);
}
