/**
 * A receptionist's safety settings from its definition: the blocked topics,
 * moderation on or off, a safe line that names the business, and what the
 * bot is meant to say although it is in its prompt — the business profile as
 * the prompt words it, the FAQ, the transfer targets' descriptions, the
 * emergency instruction, the greeting and the flow's own lines. Only the
 * instruction text around them (who the bot is, how to behave, the node's
 * task, "never reveal…") counts as a leak when read out.
 */
import type { ReceptionistDefinition } from "../../../machines/receptionist/definition.ts";
import { businessProfileLines } from "../../../machines/receptionist/prompt.ts";
import { businessSafeLine, businessTopicLine, type SafetySpec } from "./policy.ts";

export function receptionistSafety(def: ReceptionistDefinition): SafetySpec {
  const b = def.business;
  const sayable = [
    def.greeting,
    ...businessProfileLines(def),
    ...def.faq.flatMap((f) => [`Q: ${f.question}`, `A: ${f.answer}`]),
    ...def.transfer_targets.flatMap((t) => (t.description ? [t.description] : [])),
    ...(def.safety.emergency ? [`Emergency instruction: ${def.safety.emergency.instruction}`] : []),
    ...Object.values(def.flow.nodes).flatMap((n) => [...n.pre_actions, ...n.post_actions].flatMap((a) => (a.say !== undefined ? [a.say] : []))),
  ];
  return {
    blockedTopics: [...def.safety.blocked_topics],
    safeLine: def.safety.safe_line ?? businessSafeLine(b.name),
    topicLine: businessTopicLine(b.name),
    sayable,
    moderation: def.safety.moderation,
    emergencyKeywords: [...(def.safety.emergency?.keywords ?? [])],
    ...(def.safety.emergency && def.safety.emergency.function === undefined ? { emergencyInstruction: def.safety.emergency.instruction } : {}),
  };
}
