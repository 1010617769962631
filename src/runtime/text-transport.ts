/**
 * The conversation machine as a text test session runs it: the same machine
 * and the same model and tool actors as a call (conversation-effects.ts —
 * whatever the voice path wraps around the model, this path has too), with a
 * text transport in place of the audio one:
 *
 *   stt   no recogniser: the session keeps the actor's sendBack and sends the
 *         caller's typed turn through it as a final transcript;
 *   tts   nothing to render: a `say` of the sentence, ready at once;
 *   warmTransfer  nobody is rung: the session records where the caller would
 *         be put through (and the summary the agent would hear) and the agent
 *         "answers", so the conversation ends as a transferred call's does.
 *
 * And with the timers that measure a caller's silence out of the way: between
 * two HTTP requests nobody is "silent", so neither the silence reprompt (a
 * flow node's timeout too) nor the call's duration limit runs; the session
 * store's idle TTL ends a session nobody uses.
 */
import { fromCallback, fromPromise } from "xstate";
import {
  conversationMachine,
  type SttActorInput,
  type SttCommand,
  type TtsActorInput,
  type TtsActorOutput,
  type WarmTransferActorInput,
  type WarmTransferActorOutput,
} from "../../machines/conversation.ts";
import type { LanguageModel, SpeechSynthesis, SpeechToText, SttEvent } from "../../machines/ports/index.ts";
import type { ConversationSafety } from "../ai/safety/index.ts";
import type { ConversationMeta } from "./conversation-call.ts";
import { createConversationActors, type CallerAudio } from "./conversation-effects.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import { ToolRegistry } from "./tool-registry.ts";

/** The longest delay a timer takes (setTimeout's 2^31-1 ms, about 24.8 days): in practice never. */
const NEVER_MS = 2 ** 31 - 1;

export interface TextTransportDeps {
  /** The runtime's language model (the simulated OpenAI by default). */
  llm: LanguageModel;
  metrics: Pick<RuntimeMetrics, "llmTokens" | "sttStreams" | "sttFrames">;
  /** The runtime's safety guard around every model request, as on a call. */
  safety?: ConversationSafety | undefined;
  /** The session's per-conversation state, as the voice path keeps it (its tools, its receptionist). */
  meta(conversationId: string): ConversationMeta | undefined;
  /** The session's hearing: the stt actor hands over its sendBack when it starts, null when it stops. */
  attachHearing(conversationId: string, sendBack: ((event: SttEvent) => void) | null): void;
  /** A warm transfer the conversation asks for: recorded by the session, which answers for the agent. */
  warmTransfer(input: WarmTransferActorInput): WarmTransferActorOutput;
}

// A text session never opens a recogniser stream, never binds caller audio and never renders speech with
// these: the voice path's stt and tts actors are replaced below. They refuse, loudly, if that ever changes.
const NO_STT: SpeechToText = { open: () => Promise.reject(new Error("a text test session has no speech-to-text")) };
const NO_TTS: SpeechSynthesis = { prepare: () => Promise.reject(new Error("a text test session renders no speech")) };
const NO_AUDIO: CallerAudio = { bind: () => false, monotonicAt: () => undefined };

export function textConversationMachine(deps: TextTransportDeps) {
  const voice = createConversationActors({
    stt: NO_STT,
    sttOptions: { sampleRate: 16_000, model: "none", language: "en", endpointingMs: 0, utteranceEndMs: 0 },
    llm: deps.llm,
    tts: NO_TTS,
    // Every receptionist session runs its own tools (meta.tools); the fallback registry is empty.
    tools: new ToolRegistry(),
    media: NO_AUDIO,
    metrics: deps.metrics,
    meta: deps.meta,
    ...(deps.safety ? { safety: deps.safety } : {}),
  });

  const stt = fromCallback<SttCommand, SttActorInput>(({ input, sendBack }) => {
    deps.attachHearing(input.conversationId, sendBack as (event: SttEvent) => void);
    // A finalize asks for nothing here: every typed turn arrives final and endpointed.
    return () => deps.attachHearing(input.conversationId, null);
  });

  const tts = fromPromise<TtsActorOutput, TtsActorInput>(async ({ input }) => ({
    utterance: { kind: "say", text: input.text, engine: input.voice.engine, voice: input.voice.voice },
    readyAt: performance.now(),
  }));

  const warmTransfer = fromPromise<WarmTransferActorOutput, WarmTransferActorInput>(async ({ input }) => deps.warmTransfer(input));

  return conversationMachine.provide({
    actors: { stt, llm: voice.llm, tts, tool: voice.tool, warmTransfer },
    delays: { silence: NEVER_MS, maxDuration: NEVER_MS },
  });
}
