/** Safety interventions around the language model: input screening, output checks, moderation (see guard.ts). */
export { ConversationSafety, SAFETY_JOURNAL_NAME, type ConversationSafetyOptions, type SafetyMetrics } from "./conversation-safety.ts";
export { ReplyGuard, callerTurnOf, type GuardServices, type Intervention, type InterventionStage } from "./guard.ts";
export { blockedTopic, promptProbe } from "./input-rules.ts";
export { OpenAIModeration, type ModerationVerdict, type Moderator, type OpenAIModerationOptions } from "./moderation.ts";
export { leakContext, leakIn, redacted, SHINGLE_WORDS } from "./output-rules.ts";
export { businessSafeLine, businessTopicLine, DEFAULT_SAFE_LINE, DEFAULT_TOPIC_LINE, safetyPolicy, topicDecline, type SafetyPolicy, type SafetySpec } from "./policy.ts";
export { receptionistSafety } from "./receptionist-safety.ts";
export { safetyFromConfig, type SafetyFromConfigOptions } from "./from-config.ts";
export { interventionsOf } from "./interventions.ts";
