/** The simulated OpenAI service and its rule-based responder (see README.md). */
export { SimulatedOpenAI, SIMULATED_OPENAI_LABEL, type SimulatedOpenAIOptions, type SimulatedOpenAIStats } from "./server.ts";
export { createResponder, type Explained, type Reply, type ReplyToolCall, type Responder, type ResponderOptions } from "./responder.ts";
export { defaultIntents, type Intent, type IntentContext } from "./intents.ts";
export { readPrompt, type PromptProfile } from "./prompt.ts";
export { classifyParam, defaultClassifiers, defaultExtractors, type ExtractContext, type Extractor, type ParamClassifier, type ParamKind } from "./extract.ts";
export { extractDate, extractTime, type Clock } from "./dates.ts";
export { conversationOf, type Conversation, type JsonSchema, type OfferedTool, type Turn } from "./conversation.ts";
export type { ChatFault, ChatMatch, ChatRule, ScriptedReply, ScriptedToolCall } from "./script.ts";
export type { SpeechFault, SpeechRule, SpeechExchange } from "./speech-endpoint.ts";
export type { ChatExchange } from "./chat-endpoint.ts";
export { renderSpeech, speechDurationMs, spokenText, TTS_SAMPLE_RATE } from "./waveform.ts";
