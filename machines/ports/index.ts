/**
 * The ports the conversation machine speaks through: the language model,
 * speech-to-text and text-to-speech. The core owns these types; the edges
 * (src/ai, src/speech) implement them and re-export them from their own
 * types.ts, so an edge depends on the core and never the reverse.
 */
export * from "./language-model.ts";
export * from "./speech-to-text.ts";
export * from "./text-to-speech.ts";
