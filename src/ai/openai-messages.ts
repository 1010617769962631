/**
 * ChatMessage ↔ OpenAI chat message shapes, and ToolSpec → tool definition
 * (node_modules/openai/src/resources/chat/completions/completions.ts:
 * ChatCompletionMessageParam, ChatCompletionMessageFunctionToolCall,
 * ChatCompletionFunctionTool). The API refuses an empty `tool_calls` or
 * `tools` array, so both are left out when empty; an assistant message with
 * tool calls carries content null unless it said something too.
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions/completions";
import type { ChatMessage, ToolCall, ToolSpec } from "./types.ts";

export function toOpenAIMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case "system":
      return { role: "system", content: m.content };
    case "user":
      return { role: "user", content: m.content };
    case "tool":
      return { role: "tool", tool_call_id: m.toolCallId, content: m.content };
    case "assistant": {
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: "assistant", content: m.content ?? "" };
      return {
        role: "assistant",
        content: m.content || null,
        tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      };
    }
  }
}

export function toOpenAITool(t: ToolSpec): ChatCompletionFunctionTool {
  return { type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } };
}

/** A non-streamed reply (or a stored OpenAI message) as the core's assistant message; custom tool calls are not ours and are dropped. */
export function fromOpenAIMessage(m: ChatCompletionMessage): ChatMessage {
  const toolCalls: ToolCall[] = [];
  for (const c of m.tool_calls ?? []) {
    if (c.type === "function") toolCalls.push({ id: c.id, name: c.function.name, arguments: c.function.arguments });
  }
  return toolCalls.length > 0 ? { role: "assistant", content: m.content, toolCalls } : { role: "assistant", content: m.content };
}
