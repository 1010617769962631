/**
 * The language-model port over OpenAI chat completions, with the official
 * `openai` package: one streamed request per turn, tool calls assembled from
 * their deltas. The base URL and key are configuration — the same code talks
 * to api.openai.com and to the simulated server (src/sim/openai/).
 *
 * What the stream looks like (node_modules/openai/src/core/streaming.ts,
 * resources/chat/completions/completions.ts ChatCompletionChunk):
 *  - content arrives as `choices[0].delta.content` fragments;
 *  - a tool call's first delta carries index, id and function.name, later
 *    deltas only index and a fragment of function.arguments — joined per index;
 *  - `finish_reason` arrives on the last choice chunk;
 *  - with include_usage a final chunk has `choices: []` and the usage (so
 *    `choices[0]` must be guarded);
 *  - `data: [DONE]` ends it; an aborted request ends the `for await` without
 *    throwing (Stream.fromSSEResponse returns on an abort error).
 *
 * The iterator never throws: a refused request, a network error or a broken
 * stream ends with `llm.finish` reason "error" and the message; an abort with
 * reason "aborted". Retries are the conversation's decision, so maxRetries is 0.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions/completions";
import { toOpenAIMessage, toOpenAITool } from "./openai-messages.ts";
import type { ChatRequest, FinishReason, LanguageModel, LlmChunk, TokenUsage, ToolCall } from "./types.ts";

export interface OpenAIChatOptions {
  apiKey: string;
  /** e.g. https://api.openai.com/v1 (the package's default) or the simulator's baseURL. */
  baseURL?: string;
  /**
   * Bound on the wait for the response headers, ms. Default 30 000 (the
   * package's is 10 minutes). The package clears its timer once fetch resolves
   * (client.ts fetchWithTimeout), so a stream that stalls after the headers is
   * ended by the request's signal — the conversation's own timer.
   */
  timeoutMs?: number;
  /** A prepared client (tests); apiKey / baseURL / timeoutMs are then ignored. */
  client?: OpenAI;
}

export interface OpenAIChatStats {
  requests: number;
  errors: number;
  aborted: number;
  promptTokens: number;
  completionTokens: number;
}

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

function mapFinish(reason: ChatCompletionChunk.Choice["finish_reason"]): FinishReason | null {
  switch (reason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
      return reason;
    // The deprecated `functions` parameter is never sent, so a function_call finish is a server's mistake.
    case "function_call":
      return "error";
    default:
      return null;
  }
}

export class OpenAIChat implements LanguageModel {
  readonly stats: OpenAIChatStats = { requests: 0, errors: 0, aborted: 0, promptTokens: 0, completionTokens: 0 };
  private readonly client: OpenAI;

  constructor(options: OpenAIChatOptions) {
    this.client =
      options.client ??
      new OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        maxRetries: 0,
        timeout: options.timeoutMs ?? 30_000,
      });
  }

  stream(request: ChatRequest): AsyncIterable<LlmChunk> {
    return this.run(request);
  }

  private async *run(request: ChatRequest): AsyncGenerator<LlmChunk> {
    this.stats.requests++;
    const calls = new Map<number, PartialCall>();
    let usage: TokenUsage | null = null;
    let finish: FinishReason | null = null;
    let finishedAt = 0;
    const aborted = () => request.signal?.aborted === true;

    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toOpenAIMessage),
          ...(request.tools && request.tools.length > 0 ? { tools: request.tools.map(toOpenAITool) } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: request.signal, maxRetries: 0 },
      );
      for await (const chunk of stream) {
        const receivedAt = performance.now();
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta ?? {};
        // A refusal is what the model says instead of an answer: the caller hears it like any text.
        const text = (delta.content ?? "") + (delta.refusal ?? "");
        if (text) yield { type: "llm.text", receivedAt, text };
        for (const d of delta.tool_calls ?? []) {
          const call = calls.get(d.index) ?? { id: "", name: "", arguments: "" };
          // id and name come with the call's first delta; later ones carry only argument fragments.
          if (d.id && !call.id) call.id = d.id;
          if (d.function?.name && !call.name) call.name = d.function.name;
          if (d.function?.arguments) call.arguments += d.function.arguments;
          calls.set(d.index, call);
        }
        const mapped = mapFinish(choice.finish_reason);
        if (mapped) {
          finish = mapped;
          finishedAt = receivedAt;
        }
      }
    } catch (err) {
      this.countUsage(usage);
      if (aborted() || err instanceof OpenAI.APIUserAbortError) {
        this.stats.aborted++;
        yield { type: "llm.finish", receivedAt: performance.now(), reason: "aborted", usage };
        return;
      }
      this.stats.errors++;
      yield { type: "llm.finish", receivedAt: performance.now(), reason: "error", usage, error: describe(err) };
      return;
    }
    this.countUsage(usage);

    if (aborted()) {
      this.stats.aborted++;
      yield { type: "llm.finish", receivedAt: performance.now(), reason: "aborted", usage };
      return;
    }
    if (finish === null) {
      // The body ended without a finish_reason (a dropped connection that closed cleanly): the reply is incomplete.
      this.stats.errors++;
      yield { type: "llm.finish", receivedAt: performance.now(), reason: "error", usage, error: "stream ended before finish_reason" };
      return;
    }
    // Some OpenAI-compatible servers finish a tool-calling turn with "stop": the calls still stand.
    if (finish === "stop" && calls.size > 0) finish = "tool_calls";
    if (finish === "tool_calls") {
      for (const [index, c] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
        const call: ToolCall = { id: c.id || `call_${index}`, name: c.name, arguments: c.arguments };
        yield { type: "llm.tool_call", receivedAt: finishedAt, call };
      }
    }
    yield { type: "llm.finish", receivedAt: performance.now(), reason: finish, usage };
  }

  private countUsage(usage: TokenUsage | null): void {
    if (!usage) return;
    this.stats.promptTokens += usage.promptTokens;
    this.stats.completionTokens += usage.completionTokens;
  }
}

function describe(err: unknown): string {
  if (err instanceof OpenAI.APIError) return err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
