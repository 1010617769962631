/**
 * Defaults for a conversation's settings. The numbers follow what the voice
 * frameworks ship (see the voice-AI reference): a barge-in needs two words
 * (or the recogniser's speech-started), a false interruption is resumed after
 * 2 s, the model gets 8 s per tool, a silent caller is reprompted twice.
 */
import { DEFAULT_MAX_SENTENCE_CHARS } from "./sentences.ts";
import type { ConversationPhrases, ConversationSettings, ConversationSettingsInput } from "./conversation-types.ts";

export const DEFAULT_PHRASES: ConversationPhrases = {
  reprompt: "Are you still there?",
  silenceGoodbye: "I haven't heard anything for a while, so I'll hang up now. Goodbye!",
  maxDurationGoodbye: "I'm sorry, we've reached the time limit for this call. Thank you for calling, goodbye!",
  toolFiller: "One moment.",
  speechInputLost: "I'm sorry, I'm having trouble hearing you. If you can, please use your phone's keypad.",
  speechInputLostGoodbye: "I'm sorry, I'm having trouble hearing you. Please call back in a moment. Goodbye!",
  modelError: "I'm sorry, I didn't quite get that. Could you say it again?",
  errorGoodbye: "I'm sorry, something went wrong on my side. Please call back later. Goodbye!",
  transferFailed: "I'm sorry, I couldn't transfer your call.",
  transferUnanswered: "I'm sorry, nobody could take your call right now. Can I take a message?",
};

export const DEFAULT_SETTINGS: ConversationSettings = {
  bargeInMinWords: 2,
  bargeInOnSpeechStarted: true,
  falseInterruptionMs: 2_000,
  silenceRepromptMs: 8_000,
  maxReprompts: 2,
  // Vapi's default maxDurationSeconds.
  maxDurationMs: 600_000,
  turnEndBackstopMs: 1_200,
  finalizeGraceMs: 1_000,
  toolTimeoutMs: 8_000,
  toolFillerAfterMs: 1_500,
  maxToolRounds: 5,
  sttRetries: 1,
  onSpeechInputLost: "dtmf",
  dtmfInterDigitMs: 2_500,
  maxSentenceChars: DEFAULT_MAX_SENTENCE_CHARS,
  playbackTimeoutMs: 30_000,
  hangupConfirmMs: 10_000,
  maxModelErrors: 2,
  phrases: DEFAULT_PHRASES,
};

export function resolveSettings(input: ConversationSettingsInput | undefined): ConversationSettings {
  const { phrases, ...rest } = input ?? {};
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULT_SETTINGS,
    ...defined,
    phrases: { ...DEFAULT_PHRASES, ...Object.fromEntries(Object.entries(phrases ?? {}).filter(([, v]) => v !== undefined)) },
  };
}
