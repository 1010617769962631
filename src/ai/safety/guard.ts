/**
 * The guard around one model request of a conversation (the llm actor's):
 *
 *  input   the caller's latest words, when the request answers them, are
 *          checked for prompt extraction / instruction override and for the
 *          blocked topics. A match is not sent to the model at all: the guard
 *          answers with the safe line (or the topic's decline) as if the model
 *          had said it. Why not ask the model with a firmer instruction: a
 *          probe has nothing in it to serve, and a model can be talked round
 *          by the very text that is probing it; a fixed line cannot.
 *  output  the model's text is cut into sentences (machines/sentences.ts, the
 *          same boundaries the conversation speaks by), and each is checked
 *          before it is passed on: instructions read out, internal ids,
 *          secrets, another caller's number (output-rules.ts), then the
 *          moderation endpoint when one is configured. A sentence that fails
 *          is replaced by the safe line, and the rest of that reply's text is
 *          dropped (a leak seldom stops at one sentence); tool calls and the
 *          finish still pass, so the conversation's bookkeeping is unchanged.
 *
 * Checks run as soon as a sentence is complete and in parallel (moderation of
 * the second sentence overlaps the first's); sentences are passed on in order.
 * Moderation failing (error, timeout) follows the configured policy: "allow"
 * (the default) speaks the sentence, which passed the local rules, and
 * journals that it was not moderated; "replace" speaks the safe line instead.
 */
import { takeSentences, flushSentences } from "../../../machines/sentences.ts";
import type { ChatMessage, LlmChunk } from "../../../machines/ports/index.ts";
import { saysEmergencyKeyword } from "../../../machines/emergency-keywords.ts";
import { blockedTopic, promptProbe } from "./input-rules.ts";
import type { Moderator, ModerationVerdict } from "./moderation.ts";
import { leakContext, leakIn, redacted, wordsOf, type LeakContext } from "./output-rules.ts";
import { topicDecline, type SafetyPolicy } from "./policy.ts";
import { childLog } from "../../log.ts";

const log = childLog({ mod: "ai.safety" });

export type InterventionStage = "input" | "output" | "moderation";

/** One thing the guard did, as journalled: never the prompt's text, never a secret. */
export interface Intervention {
  stage: InterventionStage;
  /** override, extraction, repeat_above, role_play, secrets, blocked_topic, instructions, internal_id, secret, other_caller_phone, flagged, unavailable. */
  rule: string;
  /**
   * answered: the model was not asked; replaced: a reply sentence was not
   * spoken; allowed: spoken unmoderated (moderation failed); prefaced: the
   * emergency instruction was said before the model's reply.
   */
  action: "answered" | "replaced" | "allowed" | "prefaced";
  /** What was said instead (the safe line or the topic's decline), when anything was. */
  said?: string;
  /** A redacted excerpt of what triggered it (the caller's words, or the reply's), absent for an instructions leak. */
  excerpt?: string;
  topic?: string;
  categories?: string[];
}

export interface GuardServices {
  moderator: Moderator | null;
  /** What a failed moderation check means: speak the sentence ("allow") or the safe line ("replace"). */
  onModerationError: "allow" | "replace";
  /** Configured keys, never to be spoken nor journalled. */
  secrets: readonly string[];
  report(intervention: Intervention): void;
  /** How long a check took: the local rules, or a moderation request. */
  timed(stage: "local" | "moderation", seconds: number): void;
}

type Emit = (chunk: LlmChunk) => void;

/** The caller's words this request answers: the last user message, when nothing of the bot's came after it. */
export function callerTurnOf(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === "user") return m.content;
    if (m.role === "assistant" || m.role === "tool") return null;
  }
  return null;
}

type Verdict = { ok: true } | { ok: false; intervention: Omit<Intervention, "action" | "said">; replace: boolean } | { ok: true; unmoderated: string };

export class ReplyGuard {
  private buffer = "";
  /** The words of this reply checked so far: a leak across a sentence boundary is still a run of words. */
  private words: string[] = [];
  /** Sentences, tool calls and the finish, passed on in order once their checks are done. */
  private queue: Promise<void> = Promise.resolve();
  private suppressed = false;
  private stopped = false;
  /** The first text chunk has been answered with its first-token marker. */
  private firstTextSeen = false;
  private readonly abort = new AbortController();
  private readonly leaks: LeakContext;

  constructor(
    private readonly policy: SafetyPolicy,
    private readonly services: GuardServices,
    private readonly messages: readonly ChatMessage[],
    private readonly emit: Emit,
  ) {
    const started = performance.now();
    this.leaks = leakContext(messages, policy.sayable, services.secrets);
    services.timed("local", (performance.now() - started) / 1000);
  }

  /** The caller's words refused before the model is asked: the reply to give instead, or null to ask the model. */
  screenInput(): string | null {
    const said = callerTurnOf(this.messages);
    if (said === null || said.trim() === "") return null;
    const probe = promptProbe(said);
    if (probe) {
      this.services.report({ stage: "input", rule: probe.rule, action: "answered", said: this.policy.safeLine, excerpt: redacted(said, this.services.secrets) });
      return this.policy.safeLine;
    }
    const topic = this.emergencyIn(said) ? null : blockedTopic(said, this.policy.blockedTopics);
    if (topic !== null) {
      const line = topicDecline(this.policy, topic);
      this.services.report({ stage: "input", rule: "blocked_topic", action: "answered", said: line, topic, excerpt: redacted(said, this.services.secrets) });
      return line;
    }
    return null;
  }

  /**
   * The emergency instruction to say before the model's reply, word for word,
   * when the caller's turn has an emergency keyword and no flow function
   * gives it; else null.
   */
  emergencyPreface(): string | null {
    const instruction = this.policy.emergencyInstruction;
    const said = callerTurnOf(this.messages);
    if (instruction === null || said === null || !this.emergencyIn(said)) return null;
    this.services.report({ stage: "input", rule: "emergency", action: "prefaced", said: instruction });
    return instruction;
  }

  /** The same whole-word, denial-aware reading the conversation's flow uses, so guard and flow agree on what is an emergency. */
  private emergencyIn(said: string): boolean {
    return saysEmergencyKeyword(said, this.policy.emergencyKeywords);
  }

  /** A chunk from the model. */
  push(chunk: LlmChunk): void {
    if (this.stopped) return;
    if (chunk.type === "llm.text") {
      if (!this.firstTextSeen) {
        // The text is held until its sentence is checked, but the turn's first-token mark must stay
        // the model's own (time to first token): an empty chunk stamped when the first one arrived.
        this.firstTextSeen = true;
        const arrivedAt = chunk.receivedAt;
        this.enqueue(Promise.resolve(), () => this.emit({ type: "llm.text", receivedAt: arrivedAt, text: "" }));
      }
      this.buffer += chunk.text;
      const split = takeSentences(this.buffer);
      this.buffer = split.rest;
      for (const sentence of split.sentences) this.enqueueSentence(sentence);
      return;
    }
    if (chunk.type === "llm.finish") {
      for (const sentence of flushSentences(this.buffer)) this.enqueueSentence(sentence);
      this.buffer = "";
    }
    this.enqueue(Promise.resolve(), () => this.emit({ ...chunk, receivedAt: performance.now() }));
  }

  /** The request was stopped (barge-in): nothing more is passed on, pending checks are abandoned. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private enqueue<T>(pending: Promise<T>, then: (value: T) => void): void {
    this.queue = this.queue
      .then(async () => {
        const value = await pending;
        if (!this.stopped) then(value);
      })
      // One failed step (a receiver gone) must not stall the rest of the reply.
      .catch((err: unknown) => log.warn({ err }, "safety guard could not pass a chunk on"));
  }

  private enqueueSentence(sentence: string): void {
    const started = performance.now();
    const leak = leakIn(sentence, this.words, this.leaks);
    this.services.timed("local", (performance.now() - started) / 1000);
    this.words = [...this.words, ...wordsOf(sentence)].slice(-16);
    let verdict: Promise<Verdict>;
    if (leak) {
      const excerpt = leak.rule === "instructions" ? undefined : redacted(sentence, this.services.secrets);
      verdict = Promise.resolve({ ok: false, replace: true, intervention: { stage: "output", rule: leak.rule, ...(excerpt ? { excerpt } : {}) } });
    } else if (this.services.moderator && this.policy.moderation && !this.suppressed) {
      verdict = this.moderate(sentence);
    } else {
      verdict = Promise.resolve({ ok: true });
    }
    this.enqueue(verdict, (v) => this.pass(sentence, v));
  }

  private async moderate(sentence: string): Promise<Verdict> {
    const started = performance.now();
    let result: ModerationVerdict;
    try {
      result = await this.services.moderator!.check(sentence, this.abort.signal);
    } catch {
      if (this.stopped) return { ok: true };
      if (this.services.onModerationError === "replace") {
        return { ok: false, replace: true, intervention: { stage: "moderation", rule: "unavailable", excerpt: redacted(sentence, this.services.secrets) } };
      }
      return { ok: true, unmoderated: sentence };
    } finally {
      this.services.timed("moderation", (performance.now() - started) / 1000);
    }
    if (!result.flagged) return { ok: true };
    return { ok: false, replace: true, intervention: { stage: "moderation", rule: "flagged", categories: result.categories, excerpt: redacted(sentence, this.services.secrets) } };
  }

  private pass(sentence: string, verdict: Verdict): void {
    if (this.suppressed) return;
    if (verdict.ok) {
      if ("unmoderated" in verdict) {
        this.services.report({ stage: "moderation", rule: "unavailable", action: "allowed", excerpt: redacted(sentence, this.services.secrets) });
      }
      this.emit({ type: "llm.text", receivedAt: performance.now(), text: `${sentence} ` });
      return;
    }
    this.suppressed = true;
    this.services.report({ ...verdict.intervention, action: "replaced", said: this.policy.safeLine });
    this.emit({ type: "llm.text", receivedAt: performance.now(), text: `${this.policy.safeLine} ` });
  }
}
