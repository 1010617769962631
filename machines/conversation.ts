/**
 * The conversation machine: an AI voice bot inside an answered call.
 *
 * Pure XState v5. It hears the caller through the `stt` actor (SttEvents sent
 * back), thinks with the `llm` actor (LlmChunks sent back; stopping it aborts
 * the request), renders sentences with `tts` and runs `tool` calls; the
 * runtime provides all four. It speaks only through its call: every effect on
 * the line is an emitted `{ type: "call.command", command }` the runtime hands
 * to the call actor, which may refuse it (`call.command_refused`).
 *
 * States: waiting_for_answer → live (parallel: input = the recogniser stream
 * and its one retry; dialog = opening → listening ⇄ responding, transferring)
 * → closing (goodbye, hangup) → ended. `responding` is itself parallel:
 * generate (model rounds and tools), synth (TTS, one sentence at a time) and
 * playout (one say/play at a time: the call's say interrupts what plays).
 *
 * The machine reads no clock: times come from the events (`receivedAt`, a
 * final transcript's `speechEndedAt`, TTS `readyAt`, tool `finishedAt`) and
 * timers are XState delays. The steps themselves are pure functions in
 * conversation-steps.ts and conversation-speak.ts; this file is the chart.
 */
import { and, enqueueActions, fromCallback, fromPromise, not, raise, setup, type EventObject, type SnapshotFrom } from "xstate";
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
} from "./conversation-types.ts";

export * from "./conversation-types.ts";
export { DEFAULT_PHRASES, DEFAULT_SETTINGS, resolveSettings } from "./conversation-settings.ts";

type StepFn = (context: ConversationContext, event: steps.StepEvent) => Change;

function notProvided(name: string): never {
  throw new Error(`conversation: the "${name}" actor was not provided; the runtime (or a test) must supply it with machine.provide({ actors: { ${name} } })`);
}

function initialContext(input: ConversationInput): ConversationContext {
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
    messages: [{ role: "system", content: input.systemPrompt }],
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
    outcome: null,
    endCause: null,
    endedAt: null,
  };
}

function replyFinished(context: ConversationContext): boolean {
  return context.reply === null || (context.reply.generationDone && speechIdle(context.reply));
}

const idOf = (event: { type: string }): string | null => ("id" in event && typeof event.id === "string" ? event.id : null);

export const conversationMachine = setup({
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
  },
  delays: {
    maxDuration: ({ context }) => context.settings.maxDurationMs,
    silence: ({ context }) => context.settings.silenceRepromptMs,
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
    fillerWanted: ({ context }) => context.reply !== null && !context.reply.fillerSpoken && speechIdle(context.reply),
    // ── speech out ──
    hasSentenceToSynthesize: ({ context }) => nextToSynthesize(context.reply) !== undefined,
    hasSentenceToPlay: ({ context }) => nextToPlay(context.reply) !== undefined,
    isPlayingSentence: ({ context, event }) => idOf(event) !== null && playingSentence(context.reply)?.commandId === idOf(event),
    replyFinished: ({ context }) => replyFinished(context),
    replyFinishedThenTransfer: ({ context }) => replyFinished(context) && context.reply?.then?.type === "transfer",
    replyFinishedThenHangUp: ({ context }) => replyFinished(context) && context.reply?.then?.type === "hang_up",
    refusesTransfer: ({ context, event }) => event.type === "call.command_refused" && event.id === context.transfer?.commandId,
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
}).createMachine({
  id: "conversation",
  context: ({ input }) => initialContext(input),
  output: ({ context }) => context,
  initial: "waiting_for_answer",
  states: {
    waiting_for_answer: {
      always: { guard: "answeredAtStart", target: "live" },
      on: {
        "call.answered": { target: "live", actions: "markAnswered" },
        "call.ended": { target: "ended", actions: { type: "step", params: { fn: steps.callEnded } } },
      },
    },

    live: {
      type: "parallel",
      entry: { type: "step", params: { fn: steps.startAudioStream } },
      after: {
        maxDuration: {
          target: "closing",
          actions: { type: "step", params: { fn: (c) => steps.planClose(c, "max_duration", c.settings.phrases.maxDurationGoodbye) } },
        },
      },
      on: {
        "call.ended": { target: "ended", actions: { type: "step", params: { fn: steps.callEnded } } },
      },
      states: {
        // The recogniser stream: restarted once on loss, then given up (the dialog says so).
        input: {
          initial: "streaming",
          states: {
            streaming: {
              entry: "countSttAttempt",
              invoke: {
                id: "stt",
                src: "stt",
                input: ({ context }) => ({ conversationId: context.conversationId, callId: context.callId, attempt: context.sttAttempts }),
                onError: [
                  { guard: "sttRetryLeft", target: "streaming", reenter: true, actions: { type: "step", params: { fn: steps.retrySpeechInput } } },
                  { target: "lost" },
                ],
              },
              on: {
                "stt.error": [
                  { guard: "sttRetryLeft", target: "streaming", reenter: true, actions: { type: "step", params: { fn: steps.retrySpeechInput } } },
                  { target: "lost" },
                ],
                "stt.closed": [
                  { guard: "sttRetryLeft", target: "streaming", reenter: true, actions: { type: "step", params: { fn: steps.retrySpeechInput } } },
                  { target: "lost" },
                ],
                "media.lost": [
                  { guard: "sttRetryLeft", target: "streaming", reenter: true, actions: { type: "step", params: { fn: steps.retrySpeechInput } } },
                  { target: "lost" },
                ],
                "call.command_refused": [
                  {
                    guard: { type: "refusesAudioStream" },
                    target: "streaming",
                    reenter: true,
                    actions: { type: "step", params: { fn: steps.retrySpeechInput } },
                  },
                ],
              },
            },
            lost: {
              entry: [{ type: "step", params: { fn: steps.speechInputLost } }, "raiseSpeechInputLost"],
            },
          },
        },

        dialog: {
          initial: "opening",
          states: {
            opening: {
              always: [
                {
                  guard: "hasFirstMessage",
                  target: "responding",
                  actions: { type: "step", params: { fn: (c) => steps.scriptedReply(c, "greeting", c.firstMessage ?? "") } },
                },
                { target: "listening" },
              ],
            },

            listening: {
              id: "listening",
              initial: "waiting",
              always: [
                { guard: "turnComplete", target: "responding", actions: { type: "step", params: { fn: steps.answerTurn } } },
                { guard: "lostNoticeDue", target: "responding", actions: { type: "step", params: { fn: steps.startLostNotice } } },
              ],
              on: {
                // Late notices of a sentence the caller cut off: they say how much was heard.
                "call.playback_started": { actions: { type: "step", params: { fn: speak.playbackStarted } } },
                "call.playback_stopped": { actions: { type: "step", params: { fn: speak.playbackStopped } } },
                "call.dtmf": { target: ".keypad", actions: { type: "step", params: { fn: steps.addDigit } } },
                "speech_input.lost": [
                  {
                    guard: "lostEndsConversation",
                    target: "#conversation.closing",
                    actions: { type: "step", params: { fn: (c) => steps.planClose(c, "stt_failed", c.settings.phrases.speechInputLostGoodbye) } },
                  },
                  { target: "responding", actions: { type: "step", params: { fn: steps.startLostNotice } } },
                ],
              },
              states: {
                // Nothing heard yet: the silence timer runs.
                waiting: {
                  after: {
                    silence: [
                      { guard: "repromptsLeft", target: "#responding", actions: { type: "step", params: { fn: steps.startReprompt } } },
                      {
                        target: "#conversation.closing",
                        actions: {
                          type: "step",
                          params: {
                            fn: (c) =>
                              c.speechInputLost
                                ? steps.planClose(c, "stt_failed", c.settings.phrases.speechInputLostGoodbye)
                                : steps.planClose(c, "silence", c.settings.phrases.silenceGoodbye),
                          },
                        },
                      },
                    ],
                  },
                  on: {
                    "stt.speech_started": { target: "hearing", actions: { type: "step", params: { fn: steps.hearSpeechStarted } } },
                    "stt.transcript": { guard: "hasWords", target: "hearing", actions: { type: "step", params: { fn: steps.hearTranscript } } },
                  },
                },
                // The caller is talking: the backstop restarts with every recogniser event.
                hearing: {
                  after: {
                    backstop: [
                      { guard: "heardAnything", target: "finalizing", actions: "requestFinalize" },
                      { target: "waiting", actions: { type: "step", params: { fn: steps.clearListen } } },
                    ],
                  },
                  on: {
                    "stt.speech_started": { target: "hearing", reenter: true, actions: { type: "step", params: { fn: steps.hearSpeechStarted } } },
                    "stt.transcript": { target: "hearing", reenter: true, actions: { type: "step", params: { fn: steps.hearTranscript } } },
                    "stt.utterance_end": { actions: { type: "step", params: { fn: steps.hearUtteranceEnd } } },
                  },
                },
                // Finalize sent: its results close the turn; if none come, the turn ends with what was heard.
                finalizing: {
                  after: {
                    finalizeGrace: [
                      { guard: "heardAnything", actions: { type: "step", params: { fn: steps.endTurnWithWhatWasHeard } } },
                      { target: "waiting", actions: { type: "step", params: { fn: steps.clearListen } } },
                    ],
                  },
                  on: {
                    "stt.transcript": { actions: { type: "step", params: { fn: steps.hearTranscript } } },
                    "stt.utterance_end": { actions: { type: "step", params: { fn: steps.hearUtteranceEnd } } },
                  },
                },
                // The bot was cut off by speech with no words yet: words confirm it, silence resumes the bot.
                barged_in: {
                  after: {
                    falseInterruption: { target: "#responding", actions: { type: "step", params: { fn: steps.resumeAfterFalseInterruption } } },
                  },
                  on: {
                    "stt.transcript": { guard: "hasWords", target: "hearing", actions: { type: "step", params: { fn: steps.hearTranscript } } },
                  },
                },
                keypad: {
                  after: { dtmfInterDigit: { actions: { type: "step", params: { fn: steps.endKeypadTurn } } } },
                  on: {
                    "call.dtmf": { target: "keypad", reenter: true, actions: { type: "step", params: { fn: steps.addDigit } } },
                  },
                },
              },
            },

            responding: {
              id: "responding",
              type: "parallel",
              // Finished: the model is done and every sentence has played (or failed).
              always: [
                { guard: "replyFinishedThenTransfer", target: "transferring", actions: { type: "step", params: { fn: speak.finishReply } } },
                {
                  guard: "replyFinishedThenHangUp",
                  target: "#conversation.closing",
                  actions: { type: "step", params: { fn: (c) => steps.planClose(c, "completed", null) } },
                },
                { guard: "replyFinished", target: "listening", actions: { type: "step", params: { fn: speak.finishReply } } },
              ],
              on: {
                "stt.speech_started": {
                  guard: "bargeInOnSpeechStarted",
                  target: "#listening.barged_in",
                  actions: { type: "step", params: { fn: (c, e) => steps.bargeIn(c, e, "speech_started") } },
                },
                "stt.transcript": {
                  guard: "isBargeInTranscript",
                  target: "#listening.hearing",
                  actions: [
                    { type: "step", params: { fn: (c, e) => steps.bargeIn(c, e, "words") } },
                    { type: "step", params: { fn: steps.hearTranscript } },
                  ],
                },
                "call.dtmf": {
                  target: "#listening.keypad",
                  actions: [
                    { type: "step", params: { fn: (c, e) => steps.bargeIn(c, e, "dtmf") } },
                    { type: "step", params: { fn: steps.addDigit } },
                  ],
                },
                "speech_input.lost": [
                  {
                    guard: "lostEndsConversation",
                    target: "#conversation.closing",
                    actions: { type: "step", params: { fn: (c) => steps.planClose(c, "stt_failed", c.settings.phrases.speechInputLostGoodbye) } },
                  },
                  { actions: "noteLostNotice" },
                ],
              },
              states: {
                generate: {
                  initial: "deciding",
                  states: {
                    deciding: {
                      always: [{ guard: "replyNeedsLlm", target: "thinking" }, { target: "done" }],
                    },
                    thinking: {
                      id: "thinking",
                      entry: { type: "step", params: { fn: speak.beginLlmRequest } },
                      invoke: {
                        id: "llm",
                        src: "llm",
                        input: ({ context }) => speak.llmInput(context),
                        onError: [
                          { guard: "modelErrorsExhausted", target: "#conversation.closing", actions: { type: "step", params: { fn: closeForModelError } } },
                          { target: "done", actions: { type: "step", params: { fn: speak.modelFailed } } },
                        ],
                      },
                      on: {
                        "llm.text": { actions: { type: "step", params: { fn: speak.modelText } } },
                        "llm.tool_call": { actions: { type: "step", params: { fn: speak.modelToolCall } } },
                        "llm.finish": [
                          {
                            guard: and(["modelFailedFinish", "modelErrorsExhausted"]),
                            target: "#conversation.closing",
                            actions: { type: "step", params: { fn: closeForModelError } },
                          },
                          { guard: "modelFailedFinish", target: "done", actions: { type: "step", params: { fn: speak.modelFailed } } },
                          {
                            guard: and(["finishWithTools", "toolRoundsExhausted"]),
                            target: "done",
                            actions: [
                              { type: "step", params: { fn: speak.modelFinished } },
                              { type: "step", params: { fn: speak.refuseToolRound } },
                            ],
                          },
                          {
                            guard: "finishWithTools",
                            target: "tools",
                            actions: [
                              { type: "step", params: { fn: speak.modelFinished } },
                              { type: "step", params: { fn: speak.startToolRound } },
                            ],
                          },
                          { target: "done", actions: { type: "step", params: { fn: speak.modelFinished } } },
                        ],
                      },
                    },
                    tools: {
                      initial: "checking",
                      states: {
                        checking: {
                          always: [
                            { guard: "allToolsRun", target: "#thinking" },
                            { guard: "nextToolRejected", actions: { type: "step", params: { fn: speak.rejectTool } } },
                            { target: "running" },
                          ],
                        },
                        running: {
                          invoke: {
                            id: "tool",
                            src: "tool",
                            input: ({ context }) => speak.toolInput(context),
                            onDone: { target: "checking", actions: { type: "step", params: { fn: speak.toolSucceeded } } },
                            onError: { target: "checking", actions: { type: "step", params: { fn: speak.toolFailed } } },
                          },
                          after: {
                            toolFiller: { guard: "fillerWanted", actions: { type: "step", params: { fn: speak.queueFiller } } },
                            toolTimeout: { target: "checking", actions: { type: "step", params: { fn: speak.toolTimedOut } } },
                          },
                        },
                      },
                    },
                    done: { entry: "markGenerationDone" },
                  },
                },
                synth: {
                  initial: "idle",
                  states: {
                    idle: {
                      always: { guard: "hasSentenceToSynthesize", target: "preparing", actions: { type: "step", params: { fn: speak.markPreparing } } },
                    },
                    preparing: {
                      invoke: {
                        id: "tts",
                        src: "tts",
                        input: ({ context }) => speak.ttsInput(context, undefined),
                        onDone: { target: "idle", actions: { type: "step", params: { fn: speak.sentenceReady } } },
                        onError: { target: "idle", actions: { type: "step", params: { fn: speak.sentenceFailed } } },
                      },
                    },
                  },
                },
                playout: {
                  initial: "idle",
                  states: {
                    idle: {
                      always: { guard: "hasSentenceToPlay", target: "playing", actions: { type: "step", params: { fn: speak.playNext } } },
                    },
                    playing: {
                      after: { playbackTimeout: { target: "idle", actions: { type: "step", params: { fn: speak.playbackGivenUp } } } },
                      on: {
                        "call.playback_started": { actions: { type: "step", params: { fn: speak.playbackStarted } } },
                        "call.playback_stopped": { guard: "isPlayingSentence", target: "idle", actions: { type: "step", params: { fn: speak.playbackStopped } } },
                        "call.command_refused": { guard: "isPlayingSentence", target: "idle", actions: { type: "step", params: { fn: speak.playbackRefused } } },
                      },
                    },
                  },
                },
              },
            },

            // The call was asked to transfer; it ends the conversation unless it refuses.
            transferring: {
              after: { hangupConfirm: { target: "#conversation.ended", actions: { type: "step", params: { fn: transferredWithoutHangup } } } },
              on: {
                "call.command_refused": { guard: "refusesTransfer", target: "responding", actions: { type: "step", params: { fn: speak.transferRefused } } },
              },
            },
          },
        },
      },
    },

    // Goodbye (not interruptible), then hangup; the call's end is the conversation's end.
    closing: {
      id: "closing",
      entry: { type: "step", params: { fn: steps.enterClosing } },
      initial: "preparing",
      on: {
        "call.ended": { target: "ended", actions: { type: "step", params: { fn: steps.callEnded } } },
      },
      states: {
        preparing: {
          always: { guard: not("hasGoodbye"), target: "hanging_up" },
          invoke: {
            id: "goodbyeTts",
            src: "tts",
            input: ({ context }) => speak.ttsInput(context, context.closing?.goodbye ?? ""),
            onDone: { target: "playing", actions: { type: "step", params: { fn: speak.goodbyeReady } } },
            onError: { target: "hanging_up" },
          },
        },
        playing: {
          after: { playbackTimeout: { target: "hanging_up" } },
          on: {
            "call.playback_started": { actions: { type: "step", params: { fn: speak.goodbyePlayback } } },
            "call.playback_stopped": { guard: "isGoodbye", target: "hanging_up", actions: { type: "step", params: { fn: speak.goodbyePlayback } } },
            "call.command_refused": { guard: "isGoodbye", target: "hanging_up" },
          },
        },
        hanging_up: {
          entry: { type: "step", params: { fn: steps.emitHangup } },
          after: { hangupConfirm: { target: "#conversation.ended" } },
          on: {
            // The call is already ending (or gone): nothing more to wait for.
            "call.command_refused": { guard: "refusesHangup", target: "#conversation.ended" },
          },
        },
      },
    },

    ended: {
      type: "final",
      entry: { type: "step", params: { fn: steps.finish } },
    },
  },
});

function closeForModelError(context: ConversationContext, event: steps.StepEvent): Change {
  const failed = speak.modelFailed(context, event);
  const plan = steps.planClose(context, "error", context.settings.phrases.errorGoodbye);
  return { patch: { ...failed.patch, reply: context.reply, ...plan.patch }, emitted: failed.emitted };
}

function transferredWithoutHangup(context: ConversationContext): Change {
  const stop = steps.stopAudioStream(context);
  return { patch: { ...stop.patch, outcome: "transferred" }, emitted: stop.emitted };
}

export type ConversationMachine = typeof conversationMachine;
export type ConversationSnapshot = SnapshotFrom<typeof conversationMachine>;
