/**
 * Fakes for the conversation machine's invoked actors and a harness that runs
 * it with createActor, XState's SimulatedClock and no I/O. The test plays the
 * runtime: it sends what the call would report (answered, playback notices,
 * hangup), drives the fake recogniser and model through their sendBack, and
 * reads the call commands and notices the machine emits.
 */
import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from "xstate";
import type { LlmChunk, ToolCall } from "../../src/ai/types.ts";
import {
  conversationMachine,
  type ConversationCommand,
  type ConversationEmitted,
  type ConversationEvent,
  type ConversationInput,
  type ConversationSttEvent,
  type LlmActorInput,
  type SttActorInput,
  type ToolActorInput,
  type ToolActorOutput,
  type TtsActorInput,
  type TtsActorOutput,
  type WarmTransferActorInput,
  type WarmTransferActorOutput,
} from "../../machines/conversation.ts";

export interface FakeStt {
  input: SttActorInput;
  send: (event: ConversationSttEvent) => void;
  finalizes: number;
  stopped: boolean;
}

export interface FakeLlm {
  input: LlmActorInput;
  send: (chunk: LlmChunk) => void;
  stopped: boolean;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export type ToolImpl = (args: Record<string, unknown>, input: ToolActorInput) => Promise<ToolActorOutput>;

export interface HarnessOptions {
  input?: Partial<ConversationInput>;
  tools?: Record<string, ToolImpl>;
  /** Defaults to `say` with flite/kal, ready at the harness's current time. */
  tts?: (input: TtsActorInput, now: number) => Promise<TtsActorOutput>;
  /** The warm transfer's legs (the runtime's warm-transfer.ts); default: never settles. */
  warmTransfer?: (input: WarmTransferActorInput, signal: AbortSignal) => Promise<WarmTransferActorOutput>;
}

/** Let invoked promises (TTS, tools) settle. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function startConversation(options: HarnessOptions = {}) {
  const clock = new SimulatedClock();
  let now = 1_000;
  const stts: FakeStt[] = [];
  const llms: FakeLlm[] = [];
  const ttsRequests: TtsActorInput[] = [];
  const toolRequests: ToolActorInput[] = [];

  const machine = conversationMachine.provide({
    actors: {
      stt: fromCallback<{ type: "finalize" }, SttActorInput>(({ input, sendBack, receive }) => {
        const fake: FakeStt = { input, send: (e) => sendBack(e), finalizes: 0, stopped: false };
        stts.push(fake);
        receive((e) => {
          if (e.type === "finalize") fake.finalizes++;
        });
        return () => {
          fake.stopped = true;
        };
      }),
      llm: fromCallback<EventObject, LlmActorInput>(({ input, sendBack }) => {
        const fake: FakeLlm = { input, send: (c) => sendBack(c), stopped: false };
        llms.push(fake);
        return () => {
          fake.stopped = true;
        };
      }),
      tts: fromPromise<TtsActorOutput, TtsActorInput>(async ({ input }) => {
        ttsRequests.push(input);
        if (options.tts) return options.tts(input, now);
        return { utterance: { kind: "say", text: input.text, engine: "flite", voice: "kal" }, readyAt: now };
      }),
      tool: fromPromise<ToolActorOutput, ToolActorInput>(async ({ input }) => {
        toolRequests.push(input);
        const impl = options.tools?.[input.name];
        if (!impl) throw new Error(`no fake for ${input.name}`);
        return impl(input.arguments, input);
      }),
      warmTransfer: fromPromise<WarmTransferActorOutput, WarmTransferActorInput>(({ input, signal }) =>
        options.warmTransfer ? options.warmTransfer(input, signal) : new Promise(() => {}),
      ),
    },
  });

  const input: ConversationInput = {
    conversationId: "conv-1",
    callId: "call-1",
    systemPrompt: "You are the receptionist of Elm Street Dental.",
    voice: { engine: "flite", voice: "kal" },
    model: "gpt-test",
    ...options.input,
  };
  const actor = createActor(machine, { input, clock });
  const emitted: ConversationEmitted[] = [];
  actor.on("*", (e) => emitted.push(e));
  actor.start();

  const commands = (): ConversationCommand[] => emitted.flatMap((e) => (e.type === "call.command" ? [e.command] : []));
  const saysWithIds = () => commands().flatMap((c) => (c.type === "say" ? [c] : []));
  const says = () => saysWithIds().map((c) => c.text);
  const acked = new Set<string>();

  const h = {
    actor,
    clock,
    emitted,
    stts,
    llms,
    ttsRequests,
    toolRequests,
    commands,
    says,
    saysWithIds,
    get now() {
      return now;
    },
    ctx: () => actor.getSnapshot().context,
    state: () => JSON.stringify(actor.getSnapshot().value),
    notices: <T extends ConversationEmitted["type"]>(type: T) =>
      emitted.filter((e): e is Extract<ConversationEmitted, { type: T }> => e.type === type),
    /** The current recogniser stream and model request. */
    stt: () => stts[stts.length - 1]!,
    llm: () => llms[llms.length - 1]!,
    /** Move both the test's clock (receivedAt) and XState's timers. */
    async advance(ms: number) {
      now += ms;
      clock.increment(ms);
      await settle();
    },
    async send(event: ConversationEvent) {
      actor.send(event);
      await settle();
    },
    async answer() {
      await h.send({ type: "call.answered", receivedAt: now });
    },
    /** A caller utterance as Deepgram reports it: interim, then final with speech_final. */
    async say(text: string, extra: { speechEndedAt?: number } = {}) {
      h.stt().send({ type: "stt.speech_started", receivedAt: now, audioSec: 0 });
      h.stt().send(transcript(text, now, { isFinal: false }));
      h.stt().send({ ...transcript(text, now, { isFinal: true, speechFinal: true }), ...extra });
      await settle();
    },
    async llmText(text: string) {
      h.llm().send({ type: "llm.text", receivedAt: now, text });
      await settle();
    },
    async llmToolCall(call: ToolCall) {
      h.llm().send({ type: "llm.tool_call", receivedAt: now, call });
      await settle();
    },
    async llmFinish(reason: "stop" | "tool_calls" | "error" = "stop", error?: string) {
      h.llm().send({
        type: "llm.finish",
        receivedAt: now,
        reason,
        usage: reason === "error" ? null : { promptTokens: 100, completionTokens: 20 },
        ...(error ? { error } : {}),
      });
      await settle();
    },
    async playbackStarted(id: string) {
      await h.send({ type: "call.playback_started", id, receivedAt: now });
    },
    async playbackStopped(id: string, status: "done" | "break" = "done", playbackMs: number | null = null) {
      acked.add(id);
      await h.send({ type: "call.playback_stopped", id, status, playbackMs, receivedAt: now });
    },
    /** Play every say emitted so far (and those that follow) to the end, `ms` each. */
    async playAll(ms = 500) {
      for (;;) {
        const next = saysWithIds().find((c) => !acked.has(c.id));
        if (next === undefined) return;
        await h.playbackStarted(next.id);
        await h.advance(ms);
        await h.playbackStopped(next.id, "done", ms);
      }
    },
    lastSay() {
      const all = saysWithIds();
      return all[all.length - 1]!;
    },
  };
  return h;
}

export type Harness = ReturnType<typeof startConversation>;

export function transcript(
  text: string,
  receivedAt: number,
  flags: { isFinal: boolean; speechFinal?: boolean; fromFinalize?: boolean },
): ConversationSttEvent {
  const words = text.split(/\s+/).filter(Boolean);
  return {
    type: "stt.transcript",
    receivedAt,
    text,
    isFinal: flags.isFinal,
    speechFinal: flags.speechFinal ?? false,
    fromFinalize: flags.fromFinalize ?? false,
    startSec: 0,
    durationSec: words.length * 0.3,
    confidence: 0.98,
    words: words.map((word, i) => ({ word, startSec: i * 0.3, endSec: i * 0.3 + 0.25, confidence: 0.98 })),
  };
}
