/**
 * The conversation machine's invoked effects, provided by the runtime
 * (`conversationMachine.provide({ actors })`): the machine names them, this
 * file gives them the real adapters behind the ports.
 *
 *   stt   open a recognition stream (Deepgram live), make it the sink of the
 *         call's caller audio, send its events back — a final transcript with
 *         `speechEndedAt`, when the caller actually stopped speaking on the
 *         runtime's clock (the media server's audio clock maps the recogniser's
 *         audio seconds to performance.now()); `finalize` on demand; closed
 *         (CloseStream) and unbound when the machine stops it.
 *   llm   one streamed chat request; stopping the actor aborts it (barge-in).
 *         With a safety service (src/ai/safety/), the caller's words are
 *         screened before the model is asked and each reply sentence is
 *         checked before it is passed on to be spoken.
 *   tts   SpeechSynthesis.prepare: `say` for the switch's own engine, a
 *         rendered file (`play`) for OpenAI TTS, with its length.
 *   tool  the tool registry; an unknown tool or a throwing one rejects, and the
 *         machine turns that into an error result for the model.
 *
 * None of them knows whether the service behind the port is real or simulated.
 */
import { fromCallback, fromPromise, type EventObject } from "xstate";
import type {
  LlmActorInput,
  SttActorInput,
  SttCommand,
  ToolActorInput,
  ToolActorOutput,
  TtsActorInput,
  TtsActorOutput,
} from "../../machines/conversation.ts";
import type { ConversationSafety } from "../ai/safety/index.ts";
import type { LanguageModel, SpeechSynthesis, SpeechToText, SttEvent, SttStream, SttStreamOptions, Utterance } from "../../machines/ports/index.ts";
import { childLog } from "../log.ts";
import type { ConversationMeta } from "./conversation-call.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import type { ToolRegistry } from "./tool-registry.ts";

const log = childLog({ mod: "runtime.conversation" });

/** What the effects need of the caller-audio edge. */
export interface CallerAudio {
  /** Send the call's audio to `sink` from now on (a new recogniser timeline); false when no stream is expected. */
  bind(callId: string, sink: SttStream | null): boolean;
  /** performance.now() at which the caller said what the recogniser stamps `audioSec`. */
  monotonicAt(callId: string, audioSec: number): number | undefined;
}

export interface ConversationEffectsDeps {
  stt: SpeechToText;
  /** Recognition settings (STT_MODEL, STT_ENDPOINTING_MS, …); the rate is the caller audio's. */
  sttOptions: Omit<SttStreamOptions, "callId">;
  llm: LanguageModel;
  tts: SpeechSynthesis;
  tools: ToolRegistry;
  media: CallerAudio;
  metrics: Pick<RuntimeMetrics, "llmTokens" | "sttStreams" | "sttFrames">;
  /** The runtime's per-conversation state, by conversation id (the stt actor keeps its stream there). */
  meta(conversationId: string): ConversationMeta | undefined;
  /** Guards every model request (prompt extraction, leaks, blocked topics, moderation); absent: replies pass unchecked. */
  safety?: ConversationSafety;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** The final transcript's last word's end, on the runtime's clock. */
function withSpeechEnd(event: SttEvent, callId: string, media: CallerAudio): SttEvent | (SttEvent & { speechEndedAt: number }) {
  if (event.type !== "stt.transcript" || !event.isFinal) return event;
  const last = event.words[event.words.length - 1];
  const endSec = last !== undefined ? last.endSec : event.text.trim() !== "" ? event.startSec + event.durationSec : undefined;
  if (endSec === undefined) return event;
  const speechEndedAt = media.monotonicAt(callId, endSec);
  return speechEndedAt === undefined ? event : { ...event, speechEndedAt };
}

/** Raw L16 files (.r8 … .r48, mono): their length from their size. */
async function renderedLengthMs(utterance: Utterance): Promise<number | undefined> {
  if (utterance.kind !== "play") return undefined;
  const raw = /\.r(8|16|24|32|48)$/.exec(utterance.file);
  if (!raw) return undefined;
  try {
    const bytes = (await Bun.file(utterance.file).stat()).size;
    return (bytes / (Number(raw[1]) * 1000 * 2)) * 1000;
  } catch {
    return undefined;
  }
}

export function createConversationActors(deps: ConversationEffectsDeps) {
  const { media, metrics } = deps;

  const stt = fromCallback<SttCommand, SttActorInput>(({ input, sendBack, receive }) => {
    const { callId } = input;
    const meta = deps.meta(input.conversationId);
    let stream: SttStream | null = null;
    let stopped = false;
    let unsubscribe = () => {};
    deps.stt.open({ ...deps.sttOptions, callId }).then(
      (opened) => {
        if (stopped) {
          void opened.close();
          return;
        }
        stream = opened;
        metrics.sttStreams.inc({ result: "opened" });
        unsubscribe = opened.onEvent((event) => sendBack(withSpeechEnd(event, callId, media)));
        if (meta) meta.stt = opened;
        // The call's audio stream may already be expected or flowing: from now on it feeds this recogniser.
        media.bind(callId, opened);
      },
      (err: unknown) => {
        metrics.sttStreams.inc({ result: "failed" });
        if (stopped) return;
        log.warn({ err, callId, attempt: input.attempt }, "speech-to-text stream could not be opened");
        sendBack({ type: "stt.error", receivedAt: performance.now(), message: `speech-to-text stream could not be opened: ${messageOf(err)}` });
      },
    );
    receive((command) => {
      if (command.type === "finalize") stream?.finalize();
    });
    return () => {
      stopped = true;
      unsubscribe();
      if (stream === null) return;
      if (meta?.stt === stream) {
        meta.stt = null;
        media.bind(callId, null);
      }
      metrics.sttFrames.inc({ result: "sent" }, stream.stats.framesSent);
      metrics.sttFrames.inc({ result: "shed" }, stream.stats.framesShed);
      void stream.close().catch(() => {});
    };
  });

  const llm = fromCallback<EventObject, LlmActorInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const guard = deps.safety?.guard(input.conversationId, input.messages, sendBack) ?? null;
    void (async () => {
      try {
        // Refused on the way in (a prompt probe, a blocked topic): the model is not asked; the safe line is the reply.
        const refusal = guard?.screenInput() ?? null;
        if (refusal !== null) {
          sendBack({ type: "llm.text", receivedAt: performance.now(), text: refusal });
          sendBack({ type: "llm.finish", receivedAt: performance.now(), reason: "stop", usage: null });
          return;
        }
        // An emergency the flow does not handle itself: the instruction first, word for word, whatever the model says.
        const preface = guard?.emergencyPreface() ?? null;
        if (preface !== null) sendBack({ type: "llm.text", receivedAt: performance.now(), text: `${preface} ` });
        const chunks = deps.llm.stream({
          model: input.model,
          messages: input.messages,
          tools: input.tools,
          ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
          signal: controller.signal,
        });
        for await (const chunk of chunks) {
          if (controller.signal.aborted) return;
          if (chunk.type === "llm.finish" && chunk.usage) {
            metrics.llmTokens.inc({ kind: "prompt" }, chunk.usage.promptTokens);
            metrics.llmTokens.inc({ kind: "completion" }, chunk.usage.completionTokens);
          }
          if (guard) guard.push(chunk);
          else sendBack(chunk);
        }
      } catch (err) {
        // The adapter ends its stream with llm.finish "error" itself; this is a port that threw instead.
        if (controller.signal.aborted) return;
        const finish = { type: "llm.finish", receivedAt: performance.now(), reason: "error", usage: null, error: messageOf(err) } as const;
        // Through the guard, so it comes after the sentences still being checked.
        if (guard) guard.push(finish);
        else sendBack(finish);
      }
    })();
    return () => {
      controller.abort();
      guard?.stop();
    };
  });

  const tts = fromPromise<TtsActorOutput, TtsActorInput>(async ({ input, signal }) => {
    const utterance = await deps.tts.prepare(input.text, input.voice, signal);
    const readyAt = performance.now();
    const durationMs = await renderedLengthMs(utterance);
    return { utterance, readyAt, ...(durationMs !== undefined ? { durationMs } : {}) };
  });

  const tool = fromPromise<ToolActorOutput, ToolActorInput>(async ({ input, signal }) => {
    // A conversation with its own tools (a receptionist's) runs those; else the runtime's registry.
    const tools = deps.meta(input.conversationId)?.tools ?? deps.tools;
    const outcome = await tools.run(input.name, input.arguments, {
      conversationId: input.conversationId,
      callId: input.callId,
      toolCallId: input.toolCallId,
      signal,
    });
    return {
      content: outcome.content,
      finishedAt: performance.now(),
      ...(outcome.then ? { then: outcome.then } : {}),
      ...(outcome.ok !== undefined ? { ok: outcome.ok } : {}),
    };
  });

  return { stt, llm, tts, tool };
}
