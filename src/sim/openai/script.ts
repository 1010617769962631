/**
 * Scripted behaviour for tests and demos: exact replies and injected faults,
 * chosen per request by rules (first match wins, each may serve a limited
 * number of requests). The rule-based responder answers whatever no rule
 * claims.
 */
import type { FinishReason } from "./chat-response.ts";
import { type Conversation, lastUserText, trailingToolResults } from "./conversation.ts";

export interface ScriptedToolCall {
  name: string;
  /** An object is JSON-encoded; a string is sent as is (so it may be invalid JSON on purpose). */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export interface ScriptedReply {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  /** Default: "tool_calls" when there are tool calls, else "stop" ("length" when max tokens cut it). */
  finishReason?: FinishReason;
}

/** Faults of the chat endpoint. `afterChunks` counts SSE events already sent. */
export type ChatFault =
  /** The request fails before any body: an OpenAI error object with this status. */
  | { kind: "http_error"; status: number; message?: string; type?: string; code?: string }
  /** Tool-call arguments are cut short, so they are not valid JSON. */
  | { kind: "invalid_tool_json" }
  /** The connection is reset mid-stream (the client sees a network error). */
  | { kind: "drop_stream"; afterChunks: number }
  /** A `data: {"error": …}` event mid-stream, as OpenAI reports a failure after the 200. */
  | { kind: "error_event"; afterChunks: number; message?: string }
  /** The body ends cleanly without finish_reason or [DONE]. */
  | { kind: "truncate_stream"; afterChunks: number }
  /** Nothing more is sent after afterChunks; the connection stays open until the client gives up. */
  | { kind: "stall"; afterChunks: number }
  /** Slower than the server's timing. */
  | { kind: "slow"; timeToFirstTokenMs?: number; tokensPerSecond?: number };

export interface ChatMatch {
  /** The caller's last words match (a string: case-insensitive substring). */
  lastUser?: RegExp | string;
  /** The request ends with a tool result of this tool. */
  afterTool?: string;
  /** A tool of this name is offered. */
  toolOffered?: string;
  /** The system prompt matches. */
  system?: RegExp | string;
  model?: string;
  /** Any test on the conversation. */
  test?: (conv: Conversation) => boolean;
}

export interface ChatRule {
  when?: ChatMatch;
  reply?: ScriptedReply | ((conv: Conversation) => ScriptedReply);
  fault?: ChatFault;
  /** How many requests the rule serves; default: every matching request. */
  times?: number;
}

const matches = (value: string, m: RegExp | string) => (typeof m === "string" ? value.toLowerCase().includes(m.toLowerCase()) : m.test(value));

export function ruleMatches(when: ChatMatch | undefined, conv: Conversation): boolean {
  if (!when) return true;
  if (when.lastUser !== undefined) {
    const text = lastUserText(conv);
    if (text === null || !matches(text, when.lastUser)) return false;
  }
  if (when.afterTool !== undefined && !trailingToolResults(conv).some((r) => r.call?.name === when.afterTool)) return false;
  if (when.toolOffered !== undefined && !conv.tools.some((t) => t.name === when.toolOffered)) return false;
  if (when.system !== undefined && !matches(conv.system, when.system)) return false;
  if (when.model !== undefined && conv.model !== when.model) return false;
  if (when.test && !when.test(conv)) return false;
  return true;
}

/** A list of rules with their use counts: `take` returns the first match and spends one use. */
export class RuleBook<R extends { times?: number }, C> {
  private readonly entries: Array<{ rule: R; used: number }> = [];

  constructor(
    rules: R[],
    private readonly test: (rule: R, ctx: C) => boolean,
  ) {
    for (const rule of rules) this.entries.push({ rule, used: 0 });
  }

  /** Adds a rule ahead of the others (the latest scripted wins). */
  add(rule: R): void {
    this.entries.unshift({ rule, used: 0 });
  }

  clear(): void {
    this.entries.length = 0;
  }

  take(ctx: C): R | null {
    for (const e of this.entries) {
      if (e.rule.times !== undefined && e.used >= e.rule.times) continue;
      if (!this.test(e.rule, ctx)) continue;
      e.used++;
      return e.rule;
    }
    return null;
  }
}

/** "{"a":1}" → "{"a":1," : what a model cut off mid-call writes, never valid JSON. */
export function breakJson(args: string): string {
  const trimmed = args.trimEnd();
  return trimmed.endsWith("}") ? `${trimmed.slice(0, -1)},` : `${trimmed}{`;
}
