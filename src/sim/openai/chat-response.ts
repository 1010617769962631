/**
 * A Reply as OpenAI sends it: the chunks of a streamed chat completion, or the
 * one JSON body of a non-streamed one. Pure — the endpoint paces them.
 *
 * Shapes (node_modules/openai/src/resources/chat/completions/completions.ts,
 * ChatCompletionChunk and ChatCompletion):
 *  - every chunk: {id, object:"chat.completion.chunk", created, model,
 *    system_fingerprint, choices:[{index:0, delta, logprobs:null, finish_reason}]}
 *    with the same id and `created` on every chunk;
 *  - the first delta carries role "assistant" (content "" before text,
 *    content null before tool calls), later deltas only what is new;
 *  - a tool call's first delta carries index, id, type "function", function.name
 *    and arguments ""; later deltas only index and a fragment of arguments;
 *  - then a chunk with an empty delta and the finish_reason;
 *  - with stream_options.include_usage every chunk has `usage: null` and one
 *    last chunk has `choices: []` and the usage (ChatCompletionChunk.usage's doc
 *    comment); without it there is no usage field at all.
 */
import type { Reply, ReplyToolCall } from "./responder.ts";
import { tokenize } from "./tokens.ts";

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
  includeUsage: boolean;
  promptTokens: number;
  /** max_completion_tokens / max_tokens: the reply is cut there with finish_reason "length". */
  maxTokens: number | null;
  /** Forced finish reason (a scripted reply); default from the reply. */
  finishReason?: FinishReason;
  toolCallIds: string[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
}

/** One streamed chunk and whether it carries a generated token (the endpoint paces those at the token rate). */
export interface PlannedChunk {
  chunk: Record<string, unknown>;
  token: boolean;
}

export interface Plan {
  chunks: PlannedChunk[];
  completionTokens: number;
  finishReason: FinishReason;
  /** What was actually produced (after a length cut). */
  content: string | null;
  toolCalls: Array<ReplyToolCall & { id: string }>;
}

function usage(prompt: number, completion: number): Usage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

interface Cut {
  contentTokens: string[];
  calls: Array<{ id: string; name: string; fragments: string[] }>;
  truncated: boolean;
}

/** The reply as tokens, cut at maxTokens. A tool call's name costs one token, its arguments their tokens. */
function cut(reply: Reply, meta: CompletionMeta): Cut {
  let budget = meta.maxTokens ?? Number.POSITIVE_INFINITY;
  let truncated = false;
  const take = (tokens: string[]) => {
    if (tokens.length <= budget) {
      budget -= tokens.length;
      return tokens;
    }
    truncated = true;
    const kept = tokens.slice(0, Math.max(0, budget));
    budget = 0;
    return kept;
  };
  const contentTokens = reply.content ? take(tokenize(reply.content)) : [];
  const calls: Cut["calls"] = [];
  reply.toolCalls.forEach((c, i) => {
    if (truncated) return;
    if (budget < 1) {
      truncated = true;
      return;
    }
    budget -= 1;
    calls.push({ id: meta.toolCallIds[i] ?? `call_${i}`, name: c.name, fragments: take(tokenize(c.arguments)) });
  });
  return { contentTokens, calls, truncated };
}

export function planStream(reply: Reply, meta: CompletionMeta): Plan {
  const { contentTokens, calls, truncated } = cut(reply, meta);
  const finishReason: FinishReason = meta.finishReason ?? (truncated ? "length" : calls.length > 0 ? "tool_calls" : "stop");
  const base = {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
  };
  const chunk = (delta: Record<string, unknown>, finish: FinishReason | null = null): Record<string, unknown> => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(meta.includeUsage ? { usage: null } : {}),
  });
  const chunks: PlannedChunk[] = [];
  let first = true;
  const role = (): Record<string, unknown> => {
    if (!first) return {};
    first = false;
    return { role: "assistant", refusal: null };
  };

  if (reply.content !== null && (contentTokens.length > 0 || calls.length === 0)) {
    chunks.push({ chunk: chunk({ ...role(), content: "" }), token: false });
    for (const t of contentTokens) chunks.push({ chunk: chunk({ content: t }), token: true });
  }
  calls.forEach((c, index) => {
    const head = { index, id: c.id, type: "function", function: { name: c.name, arguments: "" } };
    const r = role();
    chunks.push({ chunk: chunk({ ...r, ...(Object.keys(r).length ? { content: null } : {}), tool_calls: [head] }), token: true });
    for (const f of c.fragments) chunks.push({ chunk: chunk({ tool_calls: [{ index, function: { arguments: f } }] }), token: true });
  });
  if (first) chunks.push({ chunk: chunk({ ...role(), content: "" }), token: false });
  chunks.push({ chunk: chunk({}, finishReason), token: false });

  const completionTokens = contentTokens.length + calls.reduce((n, c) => n + 1 + c.fragments.length, 0);
  if (meta.includeUsage) {
    chunks.push({ chunk: { ...base, choices: [], usage: usage(meta.promptTokens, completionTokens) }, token: false });
  }
  return {
    chunks,
    completionTokens,
    finishReason,
    content: reply.content === null ? null : contentTokens.join(""),
    toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.fragments.join("") })),
  };
}

/** The non-streamed body (ChatCompletion): one message with content and tool_calls. */
export function completionBody(plan: Plan, meta: CompletionMeta): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: "assistant",
    content: plan.toolCalls.length > 0 && !plan.content ? null : (plan.content ?? ""),
    refusal: null,
    annotations: [],
  };
  if (plan.toolCalls.length > 0) {
    message.tool_calls = plan.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  }
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
    usage: usage(meta.promptTokens, plan.completionTokens),
    service_tier: "default",
    system_fingerprint: meta.systemFingerprint,
  };
}
