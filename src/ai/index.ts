/** The language-model port (types.ts) and its OpenAI chat-completions adapter. */
export type { ChatMessage, ChatRequest, FinishReason, LanguageModel, LlmChunk, TokenUsage, ToolCall, ToolSpec } from "./types.ts";
export { OpenAIChat, type OpenAIChatOptions, type OpenAIChatStats } from "./openai-chat.ts";
export { fromOpenAIMessage, toOpenAIMessage, toOpenAITool } from "./openai-messages.ts";
