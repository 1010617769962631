/**
 * The runtime's safety service: each conversation's policy, and a guard for
 * each of its model requests, whose interventions are journalled under the
 * conversation and counted. One instance per runtime, shared by those who
 * start conversations (the voice runtime, the text bench) and the llm actor
 * (which guards), so every path through the same actor gets it.
 *
 * A policy has an explicit lifetime: whoever starts a conversation registers
 * its policy just before the first model request can come, and releases it
 * when the conversation ends. Nobody sweeps others' entries, so one owner's
 * idea of what is live can never drop another's policy mid-conversation. A
 * conversation nobody registered (one started some other way, or after its
 * release) gets the default policy.
 */
import type { ChatMessage, LlmChunk } from "../../../machines/ports/index.ts";
import { ReplyGuard, type Intervention } from "./guard.ts";
import type { Moderator } from "./moderation.ts";
import { safetyPolicy, type SafetyPolicy, type SafetySpec } from "./policy.ts";

/** The journal entry's name for an intervention (kind "event", under the conversation's id). */
export const SAFETY_JOURNAL_NAME = "SAFETY_INTERVENTION";

export interface SafetyMetrics {
  interventions: { inc(labels?: Record<string, string>, by?: number): void };
  localCheckSeconds: { observe(value: number): void };
  moderationSeconds: { observe(value: number): void };
}

export interface ConversationSafetyOptions {
  /** null: no moderation endpoint configured (OPENAI_MODERATION unset). */
  moderator: Moderator | null;
  onModerationError?: "allow" | "replace";
  /** The configured API keys: never spoken, never journalled. */
  secrets?: readonly string[];
  journal(conversationId: string, name: string, data: Intervention): void;
  metrics?: SafetyMetrics;
}

export class ConversationSafety {
  private readonly policies = new Map<string, SafetyPolicy>();
  private readonly fallback = safetyPolicy(undefined);

  constructor(private readonly opts: ConversationSafetyOptions) {}

  get moderationConfigured(): boolean {
    return this.opts.moderator !== null;
  }

  /** The policy of a conversation about to start, held until release(conversationId). */
  register(conversationId: string, spec: SafetySpec | undefined): SafetyPolicy {
    const policy = safetyPolicy(spec);
    this.policies.set(conversationId, policy);
    return policy;
  }

  /** The conversation has ended: its policy is dropped (a later request of it would get the default). */
  release(conversationId: string): void {
    this.policies.delete(conversationId);
  }

  /** Policies held now: one per conversation started and not yet ended. */
  get heldCount(): number {
    return this.policies.size;
  }

  policyOf(conversationId: string): SafetyPolicy {
    return this.policies.get(conversationId) ?? this.fallback;
  }

  /** The guard for one model request of a conversation; what it passes on goes to `emit`. */
  guard(conversationId: string, messages: readonly ChatMessage[], emit: (chunk: LlmChunk) => void): ReplyGuard {
    const { metrics } = this.opts;
    return new ReplyGuard(
      this.policyOf(conversationId),
      {
        moderator: this.opts.moderator,
        onModerationError: this.opts.onModerationError ?? "allow",
        secrets: this.opts.secrets ?? [],
        report: (intervention) => {
          metrics?.interventions.inc({ stage: intervention.stage, rule: intervention.rule });
          this.opts.journal(conversationId, SAFETY_JOURNAL_NAME, intervention);
        },
        timed: (stage, seconds) => (stage === "local" ? metrics?.localCheckSeconds.observe(seconds) : metrics?.moderationSeconds.observe(seconds)),
      },
      messages,
      emit,
    );
  }
}
