/**
 * A conversation's safety policy: what its guard (guard.ts) refuses on the way
 * in and replaces on the way out. The conversation spec carries the settings
 * (ConversationSpec.safety); a receptionist's come from its definition's
 * `safety` block and business profile (receptionist-conversation.ts), a plain
 * conversation gets the defaults: extraction and leak protection, no blocked
 * topics, moderation when the runtime has it configured.
 */

export interface SafetySpec {
  /** Subjects the bot declines (the definition's safety.blocked_topics). */
  blockedTopics?: string[];
  /** What the bot says instead of complying or instead of a reply it must not give. */
  safeLine?: string;
  /** The decline for a blocked topic; `{topic}` is replaced by the topic's name. */
  topicLine?: string;
  /**
   * Text the bot is meant to say word for word although it is in its prompt
   * (the business profile, FAQ answers, the greeting, the emergency
   * instruction): never counted as a leak of the instructions.
   */
  sayable?: string[];
  /** Pass replies through the moderation endpoint when the runtime has one configured. Default true. */
  moderation?: boolean;
  /**
   * The definition's emergency keywords: a caller's turn with one is never
   * declined as a blocked topic ("chest pain — how much aspirin?"), so the
   * model still handles the emergency (the transfer to the on-call line).
   */
  emergencyKeywords?: string[];
  /**
   * Said word for word before the model's reply when the caller's turn has an
   * emergency keyword. Only for a definition whose emergency names no flow
   * function (with one, the flow's emergency node says it: conversation-steps.ts).
   */
  emergencyInstruction?: string;
}

/** A spec with every default filled in. */
export interface SafetyPolicy {
  blockedTopics: string[];
  safeLine: string;
  topicLine: string;
  sayable: string[];
  moderation: boolean;
  emergencyKeywords: string[];
  emergencyInstruction: string | null;
}

export const DEFAULT_SAFE_LINE = "I'm sorry, I can't help with that. Is there anything else I can do for you?";
export const DEFAULT_TOPIC_LINE = "I'm sorry, I can't help with {topic} on this call. Is there anything else I can do for you?";

/** The receptionist's own safe line: names what it can do, and for whom. */
export function businessSafeLine(business: string): string {
  return `I'm sorry, I can't help with that, but I can help you with appointments, messages or questions about ${business}.`;
}

export function businessTopicLine(business: string): string {
  return `I'm sorry, I can't help with {topic} on this call, but I can help you with appointments, messages or questions about ${business}.`;
}

export function safetyPolicy(spec: SafetySpec | undefined): SafetyPolicy {
  return {
    blockedTopics: [...(spec?.blockedTopics ?? [])],
    safeLine: spec?.safeLine ?? DEFAULT_SAFE_LINE,
    topicLine: spec?.topicLine ?? DEFAULT_TOPIC_LINE,
    sayable: [...(spec?.sayable ?? [])],
    moderation: spec?.moderation ?? true,
    emergencyKeywords: (spec?.emergencyKeywords ?? []).map((k) => k.toLowerCase()),
    emergencyInstruction: spec?.emergencyInstruction ?? null,
  };
}

export function topicDecline(policy: SafetyPolicy, topic: string): string {
  return policy.topicLine.replaceAll("{topic}", topic);
}
