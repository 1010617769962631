/**
 * The conversation machine's setup: its types, the actors it invokes (with
 * defaults that refuse to run: the runtime or a test provides them), its
 * delays (all from the settings), guards and the one action that applies a
 * pure step. The chart is in conversation.ts.
 */
import { enqueueActions, fromCallback, fromPromise, raise, setup, type EventObject } from "xstate";
import { currentOffer, flowEnded, initialFlowState, isRoutingFunction, silenceMs, withTask } from "./conversation-flow.ts";
import { emptyListen, heardAnything, type Change } from "./conversation-records.ts";
import { nextToPlay, nextToSynthesize, playingSentence, speechIdle } from "./conversation-reply.ts";
import { resolveSettings } from "./conversation-settings.ts";
import * as speak from "./conversation-speak.ts";
import * as steps from "./conversation-steps.ts";
import { countWords } from "./sentences.ts";
import type {
  ConversationContext,
  ConversationEmitted,
  ConversationEvent,
  ConversationInput,
  LlmActorInput,
  SttActorInput,
  SttCommand,
  ToolActorInput,
  ToolActorOutput,
  TtsActorInput,
  TtsActorOutput,
  WarmTransferActorInput,
  WarmTransferActorOutput,
} from "./conversation-types.ts";
import { warmTransferOutput } from "./conversation-transfer.ts";

export type StepFn = (context: ConversationContext, event: steps.StepEvent) => Change;

function notProvided(name: string): never {
  throw new Error(`conversation: the "${name}" actor was not provided; the runtime (or a test) must supply it with machine.provide({ actors: { ${name} } })`);
}

export function initialContext(input: ConversationInput): ConversationContext {
  const flow = input.flow === undefined ? null : initialFlowState(input.flow);
  const system = [{ role: "system" as const, content: input.systemPrompt }];
  return {
    conversationId: input.conversationId,
    callId: input.callId,
    model: input.model,
    temperature: input.temperature,
    voice: input.voice,
    tools: input.tools ?? [],
    settings: resolveSettings(input.settings),
    firstMessage: input.firstMessage?.trim() ? input.firstMessage.trim() : null,
    answered: input.answered ?? false,
    seq: 0,
    answeredAt: null,
    messages: flow === null ? system : withTask(system, currentOffer(flow)),
    transcript: [],
    turns: [],
    toolCalls: [],
    usage: { promptTokens: 0, completionTokens: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 },
    reply: null,
    listen: emptyListen(),
    reprompts: 0,
    modelErrors: 0,
    sttAttempts: 0,
    audioStreamCommandId: null,
    speechInputLost: false,
    lostNoticePending: false,
    transfer: null,
    closing: null,
    flow,
    outcome: null,
    endCause: null,
    endedAt: null,
  };
}

function replyFinished(context: ConversationContext): boolean {
  return context.reply === null || (context.reply.generationDone && speechIdle(context.reply));
}

const idOf = (event: { type: string }): string | null => ("id" in event && typeof event.id === "string" ? event.id : null);

/** The model failed once too often: goodbye, outcome error (the apology modelFailed would queue is not said). */
export function closeForModelError(context: ConversationContext, event: steps.StepEvent): Change {
  const failed = speak.modelFailed(context, event);
  const plan = steps.planClose(context, "error", context.settings.phrases.errorGoodbye);
  return { patch: { ...failed.patch, reply: context.reply, ...plan.patch }, emitted: failed.emitted };
}

/** The call took the transfer and has not ended (the channel now runs the dialplan): our part is over. */
export function transferredWithoutHangup(context: ConversationContext): Change {
  const stop = steps.stopAudioStream(context);
  return { patch: { ...stop.patch, outcome: "transferred" }, emitted: stop.emitted };
}

/** A step as a named action: `actions: run(steps.hearTranscript)`. */
export function run(fn: StepFn) {
  return { type: "step" as const, params: { fn } };
}

export const conversationSetup = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
    emitted: {} as ConversationEmitted,
    output: {} as ConversationContext,
  },
  actors: {
    stt: fromCallback<SttCommand, SttActorInput>(() => notProvided("stt")),
    llm: fromCallback<EventObject, LlmActorInput>(() => notProvided("llm")),
    tts: fromPromise<TtsActorOutput, TtsActorInput>(async () => notProvided("tts")),
    tool: fromPromise<ToolActorOutput, ToolActorInput>(async () => notProvided("tool")),
    warmTransfer: fromPromise<WarmTransferActorOutput, WarmTransferActorInput>(async () => notProvided("warmTransfer")),
  },
  delays: {
    maxDuration: ({ context }) => context.settings.maxDurationMs,
    silence: ({ context }) => silenceMs(context),
    backstop: ({ context }) => context.settings.turnEndBackstopMs,
    finalizeGrace: ({ context }) => context.settings.finalizeGraceMs,
    falseInterruption: ({ context }) => context.settings.falseInterruptionMs,
    dtmfInterDigit: ({ context }) => context.settings.dtmfInterDigitMs,
    toolFiller: ({ context }) => context.settings.toolFillerAfterMs,
    toolTimeout: ({ context }) => context.settings.toolTimeoutMs,
    playbackTimeout: ({ context }) => context.settings.playbackTimeoutMs,
    hangupConfirm: ({ context }) => context.settings.hangupConfirmMs,
  },
  guards: {
    answeredAtStart: ({ context }) => context.answered,
    hasFirstMessage: ({ context }) => context.firstMessage !== null,
    // ── hearing ──
    turnComplete: ({ context }) => context.listen.complete !== null,
    heardAnything: ({ context }) => heardAnything(context.listen),
    hasDigits: ({ context }) => context.listen.digits !== "",
    hasWords: ({ event }) => event.type === "stt.transcript" && event.text.trim() !== "",
    repromptsLeft: ({ context }) => context.reprompts < context.settings.maxReprompts,
    // ── barge-in ──
    bargeInOnSpeechStarted: ({ context }) => context.settings.bargeInOnSpeechStarted,
    isBargeInTranscript: ({ context, event }) =>
      event.type === "stt.transcript" && countWords(event.text) >= Math.max(1, context.settings.bargeInMinWords),
    // ── speech input ──
    sttRetryLeft: ({ context }) => context.sttAttempts <= context.settings.sttRetries,
    refusesAudioStream: ({ context, event }) => event.type === "call.command_refused" && event.id === context.audioStreamCommandId,
    lostNoticeDue: ({ context }) => context.lostNoticePending,
    lostEndsConversation: ({ context }) => context.settings.onSpeechInputLost === "end",
    // ── the model and tools ──
    replyNeedsLlm: ({ context }) => context.reply?.needsLlm === true,
    modelFailedFinish: ({ event }) => event.type === "llm.finish" && (event.reason === "error" || event.reason === "aborted"),
    modelErrorsExhausted: ({ context }) => context.modelErrors + 1 >= context.settings.maxModelErrors,
    finishWithTools: ({ context }) => (context.reply?.roundToolCalls.length ?? 0) > 0,
    toolRoundsExhausted: ({ context }) => (context.reply?.llmRequests ?? 0) > context.settings.maxToolRounds,
    allToolsRun: ({ context }) => speak.nextToolCall(context) === undefined,
    nextToolRejected: ({ context }) => speak.toolRejection(context) !== null,
    nextIsRoutingFunction: ({ context }) => {
      const call = speak.nextToolCall(context);
      return call !== undefined && isRoutingFunction(context, call.name);
    },
    flowFinished: ({ context }) => flowEnded(context.flow),
    fillerWanted: ({ context }) => context.reply !== null && !context.reply.fillerSpoken && speechIdle(context.reply),
    // ── speech out ──
    hasSentenceToSynthesize: ({ context }) => nextToSynthesize(context.reply) !== undefined,
    hasSentenceToPlay: ({ context }) => nextToPlay(context.reply) !== undefined,
    isPlayingSentence: ({ context, event }) => idOf(event) !== null && playingSentence(context.reply)?.commandId === idOf(event),
    replyFinished: ({ context }) => replyFinished(context),
    replyFinishedThenTransfer: ({ context }) => replyFinished(context) && context.reply?.then?.type === "transfer",
    replyFinishedThenHangUp: ({ context }) => replyFinished(context) && context.reply?.then?.type === "hang_up",
    refusesTransfer: ({ context, event }) => event.type === "call.command_refused" && event.id === context.transfer?.commandId,
    isWarmTransfer: ({ context }) => context.transfer?.warm != null,
    agentAnswered: ({ event }) => warmTransferOutput(event as steps.StepEvent)?.outcome === "answered",
    // ── closing ──
    hasGoodbye: ({ context }) => context.closing?.goodbye != null,
    isGoodbye: ({ context, event }) => idOf(event) !== null && idOf(event) === context.closing?.commandId,
    refusesHangup: ({ context, event }) => event.type === "call.command_refused" && event.id === context.closing?.hangupCommandId,
  },
  actions: {
    // Every step is a pure function of (context, event); this applies its patch and emits its notices.
    step: enqueueActions(({ context, event, enqueue }, params: { fn: StepFn }) => {
      const change = params.fn(context, event as steps.StepEvent);
      if (Object.keys(change.patch).length > 0) enqueue.assign(change.patch);
      for (const e of change.emitted) enqueue.emit(e);
    }),
    markAnswered: enqueueActions(({ enqueue }) => enqueue.assign({ answered: true })),
    countSttAttempt: enqueueActions(({ context, enqueue }) => enqueue.assign({ sttAttempts: context.sttAttempts + 1 })),
    /** Ask the recogniser to flush what it heard (Deepgram Finalize); there is no stream once speech input is lost. */
    requestFinalize: enqueueActions(({ context, enqueue }) => {
      if (!context.speechInputLost) enqueue.sendTo("stt", { type: "finalize" } satisfies SttCommand);
    }),
    raiseSpeechInputLost: raise(({ event }) => ({ type: "speech_input.lost" as const, reason: steps.describeLoss(event as steps.StepEvent) })),
    noteLostNotice: enqueueActions(({ enqueue }) => enqueue.assign({ lostNoticePending: true })),
    markGenerationDone: enqueueActions(({ context, enqueue }) => {
      if (context.reply !== null) enqueue.assign({ reply: { ...context.reply, generationDone: true } });
    }),
  },
});
