/**
 * The runtime's safety service: each conversation's policy (registered when
 * the conversation starts, from its spec), and a guard for each of its model
 * requests, whose interventions are journalled under the conversation and
 * counted. One instance per runtime, shared by the conversation runtime (which
 * registers) and the llm actor (which guards), so both the voice path and any
 * other user of the same actor get it. A conversation nobody registered (one
 * started some other way) gets the default policy.
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

/** How long a registered policy outlives a conversation that is gone, ms: registration comes just before the spawn. */
const STALE_AFTER_MS = 60_000;

export class ConversationSafety {
  private readonly policies = new Map<string, { policy: SafetyPolicy; at: number }>();
  private readonly fallback = safetyPolicy(undefined);

  constructor(private readonly opts: ConversationSafetyOptions) {}

  get moderationConfigured(): boolean {
    return this.opts.moderator !== null;
  }

  /** The policy of a conversation about to start; `live(id)` says which registered ones still run (the rest are dropped). */
  register(conversationId: string, spec: SafetySpec | undefined, live: (id: string) => boolean): SafetyPolicy {
    const now = Date.now();
    for (const [id, held] of this.policies) if (now - held.at > STALE_AFTER_MS && !live(id)) this.policies.delete(id);
    const policy = safetyPolicy(spec);
    this.policies.set(conversationId, { policy, at: now });
    return policy;
  }

  policyOf(conversationId: string): SafetyPolicy {
    return this.policies.get(conversationId)?.policy ?? this.fallback;
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
