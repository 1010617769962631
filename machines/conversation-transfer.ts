/**
 * The warm transfer's steps (the blind one is finishReply's transfer command
 * and transferRefused, in conversation-speak.ts). Same shape as the other
 * steps: (context, event) → the fields that change and what to emit. Pure.
 *
 * While the agent is rung the caller holds (the runtime's `warmTransfer`
 * actor plays the hold audio and rings the agent); the conversation says
 * nothing and takes no turns. Then either:
 *  - the agent answered and heard the summary: the caller-audio stream stops
 *    first (what the caller says to a person is not ours to transcribe), then
 *    the call is bridged to the agent's call, and the conversation is over;
 *  - nobody took the call: the caller hears that (the hold audio was stopped),
 *    the model is told the transfer failed and to offer take_message.
 */
import type { Change } from "./conversation-records.ts";
import { newReply, queueSentences } from "./conversation-reply.ts";
import { command, NO_CHANGE, stopAudioStream, type StepEvent } from "./conversation-steps.ts";
import type { ConversationContext, WarmTransferActorInput, WarmTransferActorOutput } from "./conversation-types.ts";

export function warmTransferInput(context: ConversationContext): WarmTransferActorInput {
  const transfer = context.transfer;
  return {
    conversationId: context.conversationId,
    callId: context.callId,
    to: transfer?.to ?? "",
    summary: transfer?.warm?.summary ?? "",
    ringTimeoutS: transfer?.warm?.ringTimeoutS ?? 20,
  };
}

/** The warm transfer's result, when it is one. */
export function warmTransferOutput(event: StepEvent): WarmTransferActorOutput | null {
  if (!("output" in event) || typeof event.output !== "object" || event.output === null) return null;
  const out = event.output as Partial<WarmTransferActorOutput>;
  if (out.outcome === "answered" && typeof (out as { agentCallId?: unknown }).agentCallId === "string") return out as WarmTransferActorOutput;
  if (out.outcome === "unanswered") return out as WarmTransferActorOutput;
  return null;
}

/** The agent is ready: stop listening, then bridge the caller to them. The conversation ends as transferred. */
export function bridgeToAgent(context: ConversationContext, event: StepEvent): Change {
  const out = warmTransferOutput(event);
  if (out?.outcome !== "answered" || context.transfer === null) return NO_CHANGE;
  const stop = stopAudioStream(context);
  const bridge = command({ ...context, ...stop.patch }, (id) => ({ type: "bridge_call", id, callId: out.agentCallId }));
  return {
    patch: { seq: bridge.seq, transfer: { ...context.transfer, commandId: bridge.id, agentCallId: out.agentCallId }, outcome: "transferred" },
    emitted: [...stop.emitted, bridge.emitted],
  };
}

/** Nobody took the call (or the transfer failed): the caller is told and offered a message; the model knows why. */
export function transferUnanswered(context: ConversationContext, event: StepEvent): Change {
  const out = warmTransferOutput(event);
  const reason = out?.outcome === "unanswered" ? out.reason : "error" in event ? String(event.error) : "failed";
  const note =
    `The warm transfer to ${context.transfer?.to ?? "?"} did not go through (${reason}); the caller is back with you. ` +
    "You have just told them nobody could take the call and asked whether they want to leave a message: if they do, take it with take_message.";
  const reply = queueSentences(newReply("notice", null, false), [context.settings.phrases.transferUnanswered], "script");
  return { patch: { transfer: null, reply, messages: [...context.messages, { role: "system", content: note }] }, emitted: [] };
}
