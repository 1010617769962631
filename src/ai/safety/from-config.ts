/**
 * The runtime's safety service as the configuration asks for it: the
 * moderation adapter on the same OpenAI endpoint the conversations use (the
 * embedded simulator's, or the configured one) when OPENAI_MODERATION=true,
 * the configured keys as secrets never to be spoken, interventions journalled
 * under their conversation and counted.
 */
import { ConversationSafety, type SafetyMetrics } from "./conversation-safety.ts";
import type { Intervention } from "./guard.ts";
import { OpenAIModeration } from "./moderation.ts";

export interface SafetyFromConfigOptions {
  settings: { moderation: boolean; moderationModel: string; moderationOnError: "allow" | "replace" };
  /** The OpenAI endpoint the conversations' model is on. */
  openai: { apiKey: string; baseURL?: string | undefined };
  /** Keys that must never be spoken (unset ones are skipped). */
  secrets: ReadonlyArray<string | undefined>;
  journal(conversationId: string, name: string, data: Intervention): void;
  metrics: {
    safetyInterventions: SafetyMetrics["interventions"];
    safetyLocalCheck: SafetyMetrics["localCheckSeconds"];
    safetyModeration: SafetyMetrics["moderationSeconds"];
  };
}

export function safetyFromConfig(opts: SafetyFromConfigOptions): ConversationSafety {
  const { settings, openai, metrics } = opts;
  const moderator = settings.moderation
    ? new OpenAIModeration({ apiKey: openai.apiKey, ...(openai.baseURL ? { baseURL: openai.baseURL } : {}), model: settings.moderationModel })
    : null;
  return new ConversationSafety({
    moderator,
    onModerationError: settings.moderationOnError,
    secrets: opts.secrets.filter((k): k is string => typeof k === "string" && k.length >= 8),
    journal: opts.journal,
    metrics: { interventions: metrics.safetyInterventions, localCheckSeconds: metrics.safetyLocalCheck, moderationSeconds: metrics.safetyModeration },
  });
}
