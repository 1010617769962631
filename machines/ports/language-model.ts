/**
 * The language-model port: streamed chat with tools. The core owns it (the
 * conversation machine speaks these types); the vendor's wire shapes (OpenAI
 * chunks, tool-call deltas) stay in the adapter, src/ai/openai-chat.ts, which
 * implements LanguageModel. `receivedAt` is performance.now() on arrival.
 */

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them (JSON text, possibly invalid). */
  arguments: string;
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; toolCalls?: ToolCall[] }
  | { role: "tool"; toolCallId: string; content: string };

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "aborted" | "error";

export type LlmChunk =
  | { type: "llm.text"; receivedAt: number; text: string }
  /** A tool call, assembled from its deltas; emitted once complete. */
  | { type: "llm.tool_call"; receivedAt: number; call: ToolCall }
  | { type: "llm.finish"; receivedAt: number; reason: FinishReason; usage: TokenUsage | null; error?: string };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
  /** Aborts the stream (barge-in); the iterator then ends with finish reason "aborted". */
  signal?: AbortSignal;
}

export interface LanguageModel {
  stream(request: ChatRequest): AsyncIterable<LlmChunk>;
}
