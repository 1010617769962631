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
 * and its one retry; dialog = opening → listening ⇄ responding, transferring
 * (blind, or warm: holding while the agent is rung, then bridged or back to responding))
 * → closing (goodbye, hangup) → ended. `responding` is itself parallel:
 * generate (model rounds and tools), synth (TTS, one sentence at a time) and
 * playout (one say/play at a time: the call's say interrupts what plays).
 *
 * The machine reads no clock: times come from the events (`receivedAt`, a
 * final transcript's `speechEndedAt`, TTS `readyAt`, tool `finishedAt`) and
 * timers are XState delays. The steps themselves are pure functions in
 * conversation-steps.ts and conversation-speak.ts; this file is the chart.
 */
import { and, not, type SnapshotFrom } from "xstate";
import { closeForModelError, conversationSetup, initialContext, run, transferredWithoutHangup } from "./conversation-setup.ts";
import * as speak from "./conversation-speak.ts";
import * as steps from "./conversation-steps.ts";
import * as transfer from "./conversation-transfer.ts";

export * from "./conversation-types.ts";
export { DEFAULT_PHRASES, DEFAULT_SETTINGS, resolveSettings } from "./conversation-settings.ts";

/** Speech input lost: a new stream while retries are left, else give it up. */
const retryOrLose = () =>
  [
    { guard: "sttRetryLeft", target: "streaming", reenter: true, actions: run(steps.retrySpeechInput) },
    { target: "lost" },
  ] as const;

export const conversationMachine = conversationSetup.createMachine({
  id: "conversation",
  context: ({ input }) => initialContext(input),
  output: ({ context }) => context,
  initial: "waiting_for_answer",
  states: {
    waiting_for_answer: {
      always: { guard: "answeredAtStart", target: "live" },
      on: {
        "call.answered": { target: "live", actions: "markAnswered" },
        "call.ended": { target: "ended", actions: run(steps.callEnded) },
      },
    },

    live: {
      type: "parallel",
      entry: run(steps.startAudioStream),
      after: {
        maxDuration: {
          target: "closing",
          actions: run(steps.closeForMaxDuration),
        },
      },
      on: {
        "call.ended": { target: "ended", actions: run(steps.callEnded) },
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
                onError: retryOrLose(),
              },
              on: {
                "stt.error": retryOrLose(),
                "stt.closed": retryOrLose(),
                "media.lost": retryOrLose(),
                // The call would not start the audio stream: as good as lost.
                "call.command_refused": [
                  { guard: and(["refusesAudioStream", "sttRetryLeft"]), target: "streaming", reenter: true, actions: run(steps.retrySpeechInput) },
                  { guard: "refusesAudioStream", target: "lost" },
                ],
              },
            },
            lost: {
              entry: [run(steps.speechInputLost), "raiseSpeechInputLost"],
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
                  actions: run(steps.greet),
                },
                { target: "listening" },
              ],
            },

            listening: {
              id: "listening",
              initial: "waiting",
              always: [
                { guard: "turnComplete", target: "responding", actions: run(steps.answerTurn) },
                { guard: "lostNoticeDue", target: "responding", actions: run(steps.startLostNotice) },
              ],
              on: {
                // Late notices of a sentence the caller cut off: they say how much was heard.
                "call.playback_started": { actions: run(speak.playbackStarted) },
                "call.playback_stopped": { actions: run(speak.playbackStopped) },
                "call.dtmf": { target: ".keypad", actions: run(steps.addDigit) },
                "speech_input.lost": [
                  {
                    guard: "lostEndsConversation",
                    target: "#conversation.closing",
                    actions: run(steps.closeForLostSpeech),
                  },
                  { target: "responding", actions: run(steps.startLostNotice) },
                ],
              },
              states: {
                // Nothing heard yet: the silence timer runs.
                waiting: {
                  after: {
                    silence: [
                      { guard: "repromptsLeft", target: "#responding", actions: run(steps.startReprompt) },
                      { target: "#conversation.closing", actions: run(steps.closeForSilence) },
                    ],
                  },
                  on: {
                    "stt.speech_started": { target: "hearing", actions: run(steps.hearSpeechStarted) },
                    "stt.transcript": { guard: "hasWords", target: "hearing", actions: run(steps.hearTranscript) },
                  },
                },
                // The caller is talking: the backstop restarts with every recogniser event.
                hearing: {
                  after: {
                    backstop: [
                      { guard: "heardAnything", target: "finalizing", actions: "requestFinalize" },
                      { target: "waiting", actions: run(steps.clearListen) },
                    ],
                  },
                  on: {
                    "stt.speech_started": { target: "hearing", reenter: true, actions: run(steps.hearSpeechStarted) },
                    "stt.transcript": { target: "hearing", reenter: true, actions: run(steps.hearTranscript) },
                    "stt.utterance_end": { actions: run(steps.hearUtteranceEnd) },
                  },
                },
                // Finalize sent: its results close the turn; if none come, the turn ends with what was heard.
                finalizing: {
                  after: {
                    finalizeGrace: [
                      { guard: "heardAnything", actions: run(steps.endTurnWithWhatWasHeard) },
                      { target: "waiting", actions: run(steps.clearListen) },
                    ],
                  },
                  on: {
                    "stt.transcript": { actions: run(steps.hearTranscript) },
                    "stt.utterance_end": { actions: run(steps.hearUtteranceEnd) },
                  },
                },
                // The bot was cut off by speech with no words yet: words confirm it, silence resumes the bot.
                barged_in: {
                  after: {
                    falseInterruption: { target: "#responding", actions: run(steps.resumeAfterFalseInterruption) },
                  },
                  on: {
                    "stt.transcript": { guard: "hasWords", target: "hearing", actions: run(steps.hearTranscript) },
                  },
                },
                // Digits (the caller's way in when speech input is lost): a pause or # ends them.
                keypad: {
                  after: {
                    dtmfInterDigit: [
                      { guard: "hasDigits", actions: run(steps.endKeypadTurn) },
                      { target: "waiting", actions: run(steps.clearListen) },
                    ],
                  },
                  on: {
                    "call.dtmf": { target: "keypad", reenter: true, actions: run(steps.addDigit) },
                  },
                },
              },
            },

            responding: {
              id: "responding",
              type: "parallel",
              // Finished: the model is done and every sentence has played (or failed).
              always: [
                { guard: "replyFinishedThenTransfer", target: "transferring", actions: run(speak.finishReply) },
                {
                  guard: "replyFinishedThenHangUp",
                  target: "#conversation.closing",
                  actions: run(steps.closeAfterTool),
                },
                { guard: "replyFinished", target: "listening", actions: run(speak.finishReply) },
              ],
              on: {
                "stt.speech_started": {
                  guard: "bargeInOnSpeechStarted",
                  target: "#listening.barged_in",
                  actions: run(steps.bargeInOnSpeech),
                },
                "stt.transcript": {
                  guard: "isBargeInTranscript",
                  target: "#listening.hearing",
                  actions: [run(steps.bargeInOnWords), run(steps.hearTranscript)],
                },
                "call.dtmf": {
                  target: "#listening.keypad",
                  actions: [run(steps.bargeInOnDigits), run(steps.addDigit)],
                },
                "speech_input.lost": [
                  {
                    guard: "lostEndsConversation",
                    target: "#conversation.closing",
                    actions: run(steps.closeForLostSpeech),
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
                      entry: run(speak.beginLlmRequest),
                      invoke: {
                        id: "llm",
                        src: "llm",
                        input: ({ context }) => speak.llmInput(context),
                        onError: [
                          { guard: "modelErrorsExhausted", target: "#conversation.closing", actions: run(closeForModelError) },
                          { target: "done", actions: run(speak.modelFailed) },
                        ],
                      },
                      on: {
                        "llm.text": { actions: run(speak.modelText) },
                        "llm.tool_call": { actions: run(speak.modelToolCall) },
                        "llm.finish": [
                          {
                            guard: and(["modelFailedFinish", "modelErrorsExhausted"]),
                            target: "#conversation.closing",
                            actions: run(closeForModelError),
                          },
                          { guard: "modelFailedFinish", target: "done", actions: run(speak.modelFailed) },
                          {
                            guard: and(["finishWithTools", "toolRoundsExhausted"]),
                            target: "done",
                            actions: [
                              run(speak.modelFinished),
                              run(speak.refuseToolRound),
                            ],
                          },
                          {
                            guard: "finishWithTools",
                            target: "tools",
                            actions: [
                              run(speak.modelFinished),
                              run(speak.startToolRound),
                            ],
                          },
                          { target: "done", actions: run(speak.modelFinished) },
                        ],
                      },
                    },
                    tools: {
                      initial: "checking",
                      states: {
                        checking: {
                          always: [
                            // A flow that reached its final node asks the model nothing more.
                            { guard: and(["allToolsRun", "flowFinished"]), target: "#generate_done" },
                            { guard: "allToolsRun", target: "#thinking" },
                            { guard: "nextToolRejected", actions: run(speak.rejectTool) },
                            { guard: "nextIsRoutingFunction", actions: run(speak.routeFunction) },
                            { target: "running" },
                          ],
                        },
                        running: {
                          invoke: {
                            id: "tool",
                            src: "tool",
                            input: ({ context }) => speak.toolInput(context),
                            onDone: { target: "checking", actions: run(speak.toolSucceeded) },
                            onError: { target: "checking", actions: run(speak.toolFailed) },
                          },
                          after: {
                            toolFiller: { guard: "fillerWanted", actions: run(speak.queueFiller) },
                            toolTimeout: { target: "checking", actions: run(speak.toolTimedOut) },
                          },
                        },
                      },
                    },
                    done: { id: "generate_done", entry: "markGenerationDone" },
                  },
                },
                synth: {
                  initial: "idle",
                  states: {
                    idle: {
                      always: { guard: "hasSentenceToSynthesize", target: "preparing", actions: run(speak.markPreparing) },
                    },
                    preparing: {
                      invoke: {
                        id: "tts",
                        src: "tts",
                        input: ({ context }) => speak.ttsInput(context, undefined),
                        onDone: { target: "idle", actions: run(speak.sentenceReady) },
                        onError: { target: "idle", actions: run(speak.sentenceFailed) },
                      },
                    },
                  },
                },
                playout: {
                  initial: "idle",
                  states: {
                    idle: {
                      always: { guard: "hasSentenceToPlay", target: "playing", actions: run(speak.playNext) },
                    },
                    playing: {
                      after: { playbackTimeout: { target: "idle", actions: run(speak.playbackGivenUp) } },
                      on: {
                        "call.playback_started": { actions: run(speak.playbackStarted) },
                        "call.playback_stopped": { guard: "isPlayingSentence", target: "idle", actions: run(speak.playbackStopped) },
                        "call.command_refused": { guard: "isPlayingSentence", target: "idle", actions: run(speak.playbackRefused) },
                      },
                    },
                  },
                },
              },
            },

            transferring: {
              initial: "choosing",
              states: {
                choosing: {
                  always: [{ guard: "isWarmTransfer", target: "holding" }, { target: "blind" }],
                },
                // The call was asked to transfer; it ends the conversation unless it refuses.
                blind: {
                  after: { hangupConfirm: { target: "#conversation.ended", actions: run(transferredWithoutHangup) } },
                  on: {
                    "call.command_refused": { guard: "refusesTransfer", target: "#responding", actions: run(speak.transferRefused) },
                  },
                },
                // Warm: the caller holds while the agent is rung and told the summary (the caller's
                // words meanwhile are not a turn). Leaving this state (the caller hung up, the time
                // limit) stops the actor, which hangs the agent's leg up.
                holding: {
                  invoke: {
                    id: "warmTransfer",
                    src: "warmTransfer",
                    input: ({ context }) => transfer.warmTransferInput(context),
                    onDone: [
                      // The bridge is asked for; the caller is the agent's now (CHANNEL_BRIDGE is in the calls' journals).
                      { guard: "agentAnswered", target: "#conversation.ended", actions: run(transfer.bridgeToAgent) },
                      { target: "#responding", actions: run(transfer.transferUnanswered) },
                    ],
                    onError: { target: "#responding", actions: run(transfer.transferUnanswered) },
                  },
                },
              },
            },
          },
        },
      },
    },

    // Goodbye (not interruptible), then hangup; the call's end is the conversation's end.
    closing: {
      id: "closing",
      entry: run(steps.enterClosing),
      initial: "preparing",
      on: {
        "call.ended": { target: "ended", actions: run(steps.callEnded) },
      },
      states: {
        preparing: {
          always: { guard: not("hasGoodbye"), target: "hanging_up" },
          invoke: {
            id: "goodbyeTts",
            src: "tts",
            input: ({ context }) => speak.ttsInput(context, context.closing?.goodbye ?? ""),
            onDone: { target: "playing", actions: run(speak.goodbyeReady) },
            onError: { target: "hanging_up" },
          },
        },
        playing: {
          after: { playbackTimeout: { target: "hanging_up" } },
          on: {
            "call.playback_started": { actions: run(speak.goodbyePlayback) },
            "call.playback_stopped": { guard: "isGoodbye", target: "hanging_up", actions: run(speak.goodbyePlayback) },
            "call.command_refused": { guard: "isGoodbye", target: "hanging_up" },
          },
        },
        hanging_up: {
          entry: run(steps.emitHangup),
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
      entry: run(steps.finish),
    },
  },
});

export type ConversationMachine = typeof conversationMachine;
export type ConversationSnapshot = SnapshotFrom<typeof conversationMachine>;
