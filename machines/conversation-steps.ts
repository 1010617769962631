/**
 * The conversation's steps on the caller's side and around the call: hearing
 * a turn, barge-in and false interruption, reprompts, closing and ending.
 * Each step takes the context and the event and returns the fields it changes
 * and the notices/commands to emit; the machine wraps them as named actions.
 * The model/TTS/playback side is in conversation-speak.ts. Pure.
 */
import { commitCallerTurn, commitReply, emptyListen, type Change } from "./conversation-records.ts";
import { newReply, playingSentence, queueSentences, resumeReply, interruptReply } from "./conversation-reply.ts";
import { CANCELLED_RESULT, toolMessage, toolRecord } from "./conversation-tools.ts";
import { emergencyHeard, performStep, takeFunction } from "./conversation-flow.ts";
import type {
  BargeInTrigger,
  ConversationCommand,
  ConversationContext,
  ConversationEmitted,
  ConversationEvent,
  ConversationOutcome,
  ReplyKind,
  SentenceSource,
} from "./conversation-types.ts";

/** Events the steps see: the machine's own plus XState's done/error/timer events. */
export type StepEvent = ConversationEvent | { type: `xstate.${string}`; output?: unknown; error?: unknown };

export const NO_CHANGE: Change = { patch: {}, emitted: [] };

/** When an event happened on the runtime's clock: its receivedAt, or the time an invoked actor stamped. */
export function timeOf(event: StepEvent): number | null {
  if ("receivedAt" in event && typeof event.receivedAt === "number") return event.receivedAt;
  if ("output" in event && typeof event.output === "object" && event.output !== null) {
    const out = event.output as { readyAt?: unknown; finishedAt?: unknown };
    if (typeof out.readyAt === "number") return out.readyAt;
    if (typeof out.finishedAt === "number") return out.finishedAt;
  }
  return null;
}

/** A command to the call, with the next id. */
export function command(
  context: ConversationContext,
  build: (id: string) => ConversationCommand,
): { seq: number; id: string; emitted: ConversationEmitted } {
  const seq = context.seq + 1;
  const id = `${context.conversationId}:${seq}`;
  return { seq, id, emitted: { type: "call.command", command: build(id) } };
}

// ─── the call and its audio ──────────────────────────────────────────────────

export function startAudioStream(context: ConversationContext, event: StepEvent): Change {
  const c = command(context, (id) => ({ type: "audio_stream.start", id }));
  const answeredAt = context.answeredAt ?? timeOf(event);
  return { patch: { seq: c.seq, audioStreamCommandId: c.id, answeredAt }, emitted: [c.emitted] };
}

export function stopAudioStream(context: ConversationContext): Change {
  const c = command(context, (id) => ({ type: "audio_stream.stop", id }));
  return { patch: { seq: c.seq }, emitted: [c.emitted] };
}

/** A new stream (first or retry); a retry after lost media asks the call to stream again first. */
export function retrySpeechInput(context: ConversationContext, event: StepEvent): Change {
  const reason = describeLoss(event);
  const emitted: ConversationEmitted[] = [{ type: "stt.retry", attempt: context.sttAttempts + 1, reason }];
  if (event.type !== "media.lost" && event.type !== "call.command_refused") return { patch: {}, emitted };
  const c = command(context, (id) => ({ type: "audio_stream.start", id }));
  return { patch: { seq: c.seq, audioStreamCommandId: c.id }, emitted: [...emitted, c.emitted] };
}

export function describeLoss(event: StepEvent): string {
  switch (event.type) {
    case "stt.error":
      return `stt error: ${event.message}`;
    case "stt.closed":
      return `stt closed: ${event.code} ${event.reason}`;
    case "media.lost":
      return `media lost: ${event.reason}`;
    case "call.command_refused":
      return `audio stream refused: ${event.reason}`;
    default:
      return "error" in event && event.error !== undefined ? `stt failed: ${String(event.error)}` : "stt failed";
  }
}

export function speechInputLost(context: ConversationContext, event: StepEvent): Change {
  return { patch: { speechInputLost: true }, emitted: [{ type: "speech_input.lost", reason: describeLoss(event) }] };
}

// ─── replies of our own ──────────────────────────────────────────────────────

export function scriptedReply(context: ConversationContext, kind: ReplyKind, text: string, source: SentenceSource = "script"): Change {
  return { patch: { reply: queueSentences(newReply(kind, null, false), [text], source) }, emitted: [] };
}

export function startReprompt(context: ConversationContext): Change {
  const count = context.reprompts + 1;
  const reply = scriptedReply(context, "reprompt", context.settings.phrases.reprompt);
  return { patch: { ...reply.patch, reprompts: count }, emitted: [{ type: "reprompt", count }] };
}

export function startLostNotice(context: ConversationContext): Change {
  const reply = scriptedReply(context, "notice", context.settings.phrases.speechInputLost);
  return { patch: { ...reply.patch, lostNoticePending: false }, emitted: [] };
}

// ─── hearing the caller ──────────────────────────────────────────────────────

export function hearSpeechStarted(context: ConversationContext, event: StepEvent): Change {
  const at = timeOf(event);
  const listen = context.listen;
  return { patch: { listen: { ...listen, startedAt: listen.startedAt ?? at, lastActivityAt: at ?? listen.lastActivityAt } }, emitted: [] };
}

export function hearTranscript(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "stt.transcript") return NO_CHANGE;
  const text = event.text.trim();
  const listen = context.listen;
  const segments = event.isFinal && text !== "" ? [...listen.segments, text] : listen.segments;
  // Deepgram: the utterance is the is_final segments up to speech_final; after a Finalize, from_finalize closes it.
  const ends = event.isFinal && (event.speechFinal || event.fromFinalize) && segments.length > 0;
  return {
    patch: {
      listen: {
        ...listen,
        segments,
        interim: event.isFinal ? "" : text,
        startedAt: listen.startedAt ?? (text !== "" ? event.receivedAt : null),
        speechEndedAt: event.speechEndedAt ?? listen.speechEndedAt,
        lastActivityAt: event.receivedAt,
        endedAt: ends ? event.receivedAt : listen.endedAt,
        complete: ends ? "speech" : listen.complete,
      },
    },
    emitted: [],
  };
}

/** UtteranceEnd: no new final word for utterance_end_ms; it fires even when noise defeats endpointing. */
export function hearUtteranceEnd(context: ConversationContext, event: StepEvent): Change {
  if (context.listen.segments.length === 0) return NO_CHANGE;
  return { patch: { listen: { ...context.listen, endedAt: timeOf(event), complete: "speech" } }, emitted: [] };
}

/** The recogniser never answered the Finalize: the turn ends with what was heard (finals, else the last interim). */
export function endTurnWithWhatWasHeard(context: ConversationContext): Change {
  const { listen, settings } = context;
  const endedAt = listen.lastActivityAt === null ? null : listen.lastActivityAt + settings.turnEndBackstopMs + settings.finalizeGraceMs;
  const segments = listen.segments.length > 0 ? listen.segments : [listen.interim.trim()];
  return { patch: { listen: { ...listen, segments, interim: "", endedAt, complete: "speech" } }, emitted: [] };
}

export function clearListen(): Change {
  return { patch: { listen: emptyListen() }, emitted: [] };
}

export function addDigit(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "call.dtmf") return NO_CHANGE;
  const listen = context.listen;
  // '#' ends what was keyed, as on any IVR.
  if (event.digit === "#") {
    return { patch: { listen: { ...listen, endedAt: event.receivedAt, complete: listen.digits !== "" ? "keypad" : null } }, emitted: [] };
  }
  return {
    patch: {
      listen: { ...listen, digits: listen.digits + event.digit, startedAt: listen.startedAt ?? event.receivedAt, lastActivityAt: event.receivedAt },
    },
    emitted: [],
  };
}

export function endKeypadTurn(context: ConversationContext): Change {
  const listen = context.listen;
  if (listen.digits === "") return clearListen();
  const endedAt = listen.lastActivityAt === null ? null : listen.lastActivityAt + context.settings.dtmfInterDigitMs;
  return { patch: { listen: { ...listen, endedAt, complete: "keypad" } }, emitted: [] };
}

/**
 * The caller's turn is complete: the reply it cut off (if any) is committed
 * as heard, the turn joins the history, and a model reply begins.
 */
export function answerTurn(context: ConversationContext): Change {
  let ctx = context;
  const emitted: ConversationEmitted[] = [];
  if (ctx.reply?.then) {
    const note = `The caller spoke before the ${ctx.reply.then.type === "transfer" ? "transfer" : "hang-up"} happened; it did not happen.`;
    ctx = { ...ctx, messages: [...ctx.messages, { role: "system", content: note }] };
  }
  const committed = commitReply(ctx, ctx.listen.endedAt);
  emitted.push(...committed.emitted);
  ctx = { ...ctx, ...committed.patch };
  const caller = commitCallerTurn(ctx);
  ctx = { ...ctx, ...caller.patch };
  const patch: Partial<ConversationContext> = { ...committed.patch, ...caller.patch, messages: ctx.messages, reply: newReply("reply", caller.turn, true) };
  if (ctx.flow === null) return { patch, emitted };
  return withFlowTurn({ ...ctx, ...patch }, patch, caller.text, emitted);
}

/** A flow's turn: a step not yet performed is, and an emergency keyword takes the emergency function before the model is asked. */
function withFlowTurn(ctx: ConversationContext, patch: Partial<ConversationContext>, text: string, emitted: ConversationEmitted[]): Change {
  const pending = performStep(ctx);
  let next = { ...ctx, ...pending.patch };
  let all = { ...patch, ...pending.patch };
  if (emergencyHeard(next, text)) {
    const fn = next.flow!.emergency!.function;
    const moved = takeFunction(next, fn, {});
    const note = { role: "system" as const, content: `The caller described an emergency; ${fn} was called and its instruction given.` };
    next = { ...next, ...moved.patch, messages: [...(moved.patch.messages ?? next.messages), note] };
    all = { ...all, ...moved.patch, messages: next.messages };
    emitted = [...emitted, ...moved.emitted];
  }
  return { patch: all, emitted };
}

// ─── barge-in ────────────────────────────────────────────────────────────────

/**
 * The caller cut in: what plays is broken (the call's playback_stopped will
 * say how much was heard), queued sentences are dropped, tools still running
 * get "cancelled" results so the history stays valid. Stopping the model and
 * TTS is leaving the responding state.
 */
export function bargeIn(context: ConversationContext, event: StepEvent, trigger: BargeInTrigger): Change {
  const reply = context.reply;
  if (reply === null) return NO_CHANGE;
  const at = timeOf(event);
  const emitted: ConversationEmitted[] = [];
  let seq = context.seq;
  if (playingSentence(reply) !== undefined) {
    const c = command(context, (id) => ({ type: "break", id }));
    seq = c.seq;
    emitted.push(c.emitted);
  }
  let messages = context.messages;
  let toolCalls = context.toolCalls;
  if (reply.toolRoundOpen) {
    for (const call of reply.roundToolCalls.slice(reply.toolIndex)) {
      const record = toolRecord(call, "cancelled", CANCELLED_RESULT, { startedAt: reply.toolStartedAt, endedAt: at, turn: reply.turn });
      messages = [...messages, toolMessage(call, CANCELLED_RESULT)];
      toolCalls = [...toolCalls, record];
      emitted.push({ type: "tool.called", call: record });
    }
  }
  emitted.push({ type: "barge_in", at, trigger, turn: reply.turn });
  const interrupted = interruptReply(reply, at, trigger);
  return {
    patch: { seq, messages, toolCalls, reply: reply.toolRoundOpen ? { ...interrupted, toolIndex: reply.roundToolCalls.length } : interrupted },
    emitted,
  };
}

export const bargeInOnSpeech = (c: ConversationContext, e: StepEvent): Change => bargeIn(c, e, "speech_started");
export const bargeInOnWords = (c: ConversationContext, e: StepEvent): Change => bargeIn(c, e, "words");
export const bargeInOnDigits = (c: ConversationContext, e: StepEvent): Change => bargeIn(c, e, "dtmf");

/** No words came after the barge-in: say the rest of what was cut off. */
export function resumeAfterFalseInterruption(context: ConversationContext): Change {
  const reply = context.reply;
  if (reply === null) return NO_CHANGE;
  const at = reply.interruption?.at ?? null;
  const now = at === null ? null : at + context.settings.falseInterruptionMs;
  const resumed = resumeReply(reply, now);
  return {
    patch: { reply: resumed.reply, listen: emptyListen() },
    emitted: [{ type: "false_interruption", at, resumed: resumed.resumed }],
  };
}

// ─── closing and ending ──────────────────────────────────────────────────────

export function planClose(context: ConversationContext, outcome: ConversationOutcome, goodbye: string | null): Change {
  return { patch: { closing: { outcome, goodbye, commandId: null, hangupCommandId: null } }, emitted: [] };
}

export function greet(c: ConversationContext): Change {
  const greeting = scriptedReply(c, "greeting", c.firstMessage ?? "");
  if (c.flow === null) return greeting;
  // The flow's initial node's pre_actions follow the greeting.
  const step = performStep({ ...c, ...greeting.patch });
  return { patch: { ...greeting.patch, ...step.patch }, emitted: step.emitted };
}
export const closeForMaxDuration = (c: ConversationContext): Change => planClose(c, "max_duration", c.settings.phrases.maxDurationGoodbye);
export const closeForLostSpeech = (c: ConversationContext): Change => planClose(c, "stt_failed", c.settings.phrases.speechInputLostGoodbye);
/** A tool asked to end the call: the model has said its goodbye already. */
export const closeAfterTool = (c: ConversationContext): Change => planClose(c, "completed", null);

/** Reprompts used up: goodbye (an stt_failed outcome if the caller could only use the keypad). */
export function closeForSilence(context: ConversationContext): Change {
  return context.speechInputLost
    ? planClose(context, "stt_failed", context.settings.phrases.speechInputLostGoodbye)
    : planClose(context, "silence", context.settings.phrases.silenceGoodbye);
}

/** Entering closing: what the bot was saying is committed as heard; the caller's audio is no longer needed. */
export function enterClosing(context: ConversationContext, event: StepEvent): Change {
  const committed = commitReply(context, timeOf(event));
  const stop = stopAudioStream({ ...context, ...committed.patch });
  return { patch: { ...committed.patch, ...stop.patch }, emitted: [...committed.emitted, ...stop.emitted] };
}

export function emitHangup(context: ConversationContext): Change {
  const outcome = context.closing?.outcome ?? "completed";
  const c = command(context, (id) => ({ type: "hangup", id, reason: `conversation ${outcome}` }));
  const closing = context.closing ? { ...context.closing, hangupCommandId: c.id } : null;
  return { patch: { seq: c.seq, closing }, emitted: [c.emitted] };
}

export function callEnded(context: ConversationContext, event: StepEvent): Change {
  // A warm transfer counts once the agent took the call; a caller who hangs up on hold just hung up.
  const transferred = context.transfer !== null && (context.transfer.warm === null || context.transfer.agentCallId !== undefined);
  const outcome: ConversationOutcome = transferred ? "transferred" : (context.closing?.outcome ?? "caller_hung_up");
  return {
    patch: {
      outcome: context.outcome ?? outcome,
      endCause: event.type === "call.ended" ? event.cause : context.endCause,
      endedAt: timeOf(event),
    },
    emitted: [],
  };
}

/** The final state: anything still being said is committed as heard, and the end is announced. */
export function finish(context: ConversationContext): Change {
  const committed = commitReply(context, context.endedAt);
  const outcome = context.outcome ?? context.closing?.outcome ?? "completed";
  return {
    patch: { ...committed.patch, outcome },
    emitted: [...committed.emitted, { type: "conversation.ended", outcome, cause: context.endCause }],
  };
}
