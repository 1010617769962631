/** The language-model port is the core's (machines/ports/language-model.ts); the adapter here implements it. */
export type { ChatMessage, ChatRequest, FinishReason, LanguageModel, LlmChunk, TokenUsage, ToolCall, ToolSpec } from "../../machines/ports/language-model.ts";
