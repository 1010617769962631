/**
 * The conversation kind: how the actor host runs a conversation actor
 * (machines/conversation.ts), one per call that talks with a bot, as a child
 * of that call (parent id = the call's id).
 *
 * - Its effects are the real adapters (conversation-effects.ts).
 * - It speaks only through its call: every `call.command` it emits goes to
 *   `host.command(callId, …, { from })`, the call's state gate, the same an
 *   HTTP command passes; a refusal comes back as `call.command_refused`.
 *   audio_stream.start first asks the media server for a stream URL with a
 *   one-time token for this call (never the API key), bound to the current
 *   speech-to-text stream.
 * - It hears its call: the call's channel events become notices
 *   (conversation-call.ts), mod_audio_stream's CUSTOM events and the media
 *   server's own view become media.connected / media.lost.
 * - Every notice it emits is journalled under its id (turns with their
 *   latencies, tool calls, barge-ins, reprompts, errors, the outcome) and
 *   observed in the metrics; its view is stored through the ConversationSink
 *   on every state change and when it ends.
 * - Supervision: a conversation that throws is journalled and its call is hung
 *   up rather than left in silence; the process carries on.
 */
import { fromPromise, type SnapshotFrom } from "xstate";
import {
  conversationMachine,
  type ConversationCommand,
  type ConversationEmitted,
  type ConversationInput,
  type ConversationMachine,
  type ToolCallOutcome,
  type WarmTransferActorInput,
  type WarmTransferActorOutput,
} from "../../machines/conversation.ts";
import type { TurnLatencies } from "../../machines/turn-latency.ts";
import type { MediaStreamEvent } from "../media/index.ts";
import { childLog } from "../log.ts";
import type { ActorHost } from "./actor-host.ts";
import type { ActorEntry, ActorKind } from "./actor-kind.ts";
import type { ConversationSink, ConversationView } from "./conversation-api.ts";
import { callCommandOf, mediaNotice, newConversationMeta, noteCommandRefused, noteCommandSent, noticeOf, type AudioStreamGrant, type ConversationMeta } from "./conversation-call.ts";
import { createConversationActors, type CallerAudio, type ConversationEffectsDeps } from "./conversation-effects.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import { createWarmTransferActor, type WarmTransferDeps } from "./warm-transfer.ts";

const log = childLog({ mod: "runtime.conversation" });

export interface ConversationSpawn {
  /** The machine input: conversationId and callId inside. */
  input: ConversationInput;
  direction: "inbound" | "outbound";
  /** The conversation's own tools (a receptionist's). */
  tools?: ConversationMeta["tools"];
  receptionist?: ConversationMeta["receptionist"];
}

export type ConversationSnapshot = SnapshotFrom<ConversationMachine>;
export type ConversationEntry = ActorEntry<ConversationMachine, ConversationMeta>;
export type ConversationKind = ActorKind<ConversationMachine, ConversationSpawn, ConversationMeta>;

/** What the kind needs of the caller-audio edge (MediaServer). */
export interface ConversationMedia extends CallerAudio {
  expect(options: {
    callId: string;
    sampleRate: number;
    sink: ConversationMeta["stt"];
    onEvent: (event: MediaStreamEvent) => void;
  }): { url: string };
  release(callId: string, reason?: string): void;
}

export interface ConversationKindDeps extends Omit<ConversationEffectsDeps, "meta" | "media" | "metrics"> {
  media: ConversationMedia;
  /** The caller audio's rate (mod_audio_stream `16k`) and its WebSocket PING interval (STREAM_HEART_BEAT). */
  audio: { sampleRate: number; heartBeatSec: number };
  metrics: RuntimeMetrics;
  /** Where conversations are stored; null: only journalled. */
  sink: ConversationSink | null;
  /** How a warm transfer rings the agent (warm-transfer.ts); absent, every warm transfer comes back unanswered. */
  warmTransfer?: WarmTransferDeps;
}

// ─── reading a snapshot ──────────────────────────────────────────────────────

/** "waiting_for_answer", "live.listening", "live.responding", "closing.hanging_up", "ended". */
export function conversationStateName(snapshot: ConversationSnapshot): string {
  const value = snapshot.value as string | Record<string, unknown>;
  if (typeof value === "string") return value;
  const [top, inner] = Object.entries(value)[0] ?? ["?", null];
  if (top === "live") {
    const dialog = (inner as { dialog?: string | Record<string, unknown> } | null)?.dialog;
    const name = typeof dialog === "string" ? dialog : Object.keys(dialog ?? {})[0];
    return name ? `live.${name}` : "live";
  }
  const sub = typeof inner === "string" ? inner : Object.keys((inner as Record<string, unknown> | null) ?? {})[0];
  return sub ? `${top}.${sub}` : top;
}

/** A tool call that went wrong (journalled as TOOL_FAILED): any outcome but "ok", except "cancelled" (a barge-in stopped it; nothing failed). */
export function toolCallFailed(outcome: ToolCallOutcome): boolean {
  return outcome !== "ok" && outcome !== "cancelled";
}

const epochMsOf = (monotonicMs: number | null): number | null => (monotonicMs === null ? null : performance.timeOrigin + monotonicMs);

export function conversationView(entry: ConversationEntry, snapshot: ConversationSnapshot = entry.actor.getSnapshot()): ConversationView {
  const context = snapshot.context;
  const live = snapshot.status === "active";
  const endedAt = live ? null : (epochMsOf(context.endedAt) ?? entry.meta.endedAt ?? Date.now());
  return {
    id: entry.id,
    callId: entry.meta.callId,
    direction: entry.meta.direction,
    state: conversationStateName(snapshot),
    live,
    createdAt: entry.createdAt,
    endedAt: endedAt === null ? null : Math.round(endedAt),
    context,
    clock: { epochMsOf },
    ...(entry.meta.receptionist ? { receptionist: entry.meta.receptionist } : {}),
  };
}

/** A snapshot as stored for a conversation that ended outside its machine (it failed, the runtime stopped). */
function ended(snapshot: ConversationSnapshot, outcome: "error", cause: string): ConversationSnapshot {
  return { ...snapshot, status: "error", context: { ...snapshot.context, outcome: snapshot.context.outcome ?? outcome, endCause: cause } } as ConversationSnapshot;
}

// ─── the kind ────────────────────────────────────────────────────────────────

const LATENCY_METRICS: Array<[keyof TurnLatencies, keyof RuntimeMetrics]> = [
  ["endOfSpeechToFinalMs", "turnEndOfSpeechToFinal"],
  ["finalToFirstTokenMs", "turnFinalToFirstToken"],
  ["firstTokenToFirstSentenceMs", "turnFirstTokenToFirstSentence"],
  ["firstSentenceToTtsCommandMs", "turnFirstSentenceToTtsCommand"],
  ["ttsCommandToPlaybackMs", "turnTtsCommandToPlayback"],
  ["finalToTtsCommandMs", "turnFinalToTtsCommand"],
  ["voiceToVoiceMs", "turnVoiceToVoice"],
];

/** A command as the journal keeps it (nothing secret is in one: the stream URL and its token are the media server's). */
function journalledCommand(command: ConversationCommand): Record<string, unknown> {
  return { ...command };
}

export function createConversationKind(deps: ConversationKindDeps): ConversationKind {
  const { media, metrics, sink } = deps;
  /** Per-conversation state beside the machine (the same objects as the entries' meta), for the effects. */
  const metas = new Map<string, ConversationMeta>();

  const machine = conversationMachine.provide({
    actors: {
      ...createConversationActors({ ...deps, media, metrics, meta: (id) => metas.get(id) }),
      warmTransfer: deps.warmTransfer
        ? createWarmTransferActor(deps.warmTransfer)
        : fromPromise<WarmTransferActorOutput, WarmTransferActorInput>(async () => ({ outcome: "unanswered", reason: "warm transfer is not available" })),
    },
  });

  const notify = (host: ActorHost, id: string, notice: { type: string } | null) => {
    if (notice) host.send(id, notice);
  };

  /** The media server's own view of the stream: connected, never came (token expired), or broke. */
  const onMediaEvent = (host: ActorHost, entry: ConversationEntry, generation: number, event: MediaStreamEvent) => {
    // The stream closing as the conversation is released: its journal is closed already.
    if (host.get(entry.id) !== entry) return;
    const meta = entry.meta;
    const receivedAt = event.receivedAt;
    switch (event.type) {
      case "media.stream_connected":
        notify(host, entry.id, mediaNotice(meta, generation, { type: "media.connected", receivedAt }));
        return;
      case "media.stream_expired":
        host.journal(entry.id, "error", "MEDIA_STREAM_EXPIRED", { note: "the switch never connected the caller-audio stream" });
        notify(host, entry.id, mediaNotice(meta, generation, { type: "media.lost", reason: "the switch never connected the caller-audio stream", receivedAt }));
        return;
      case "media.stream_closed":
        host.journal(entry.id, "event", "MEDIA_STREAM_CLOSED", { code: event.code, reason: event.reason, stats: event.stats });
        // 1006: the connection broke without a close frame (the switch's ::error follows on a real switch).
        if (event.code === 1006) {
          notify(host, entry.id, mediaNotice(meta, generation, { type: "media.lost", reason: "caller-audio connection broke (1006)", receivedAt }));
        }
        return;
      case "media.stream_idle":
        return;
    }
  };

  /** Through the call's gate; a refusal (or a call that is gone) comes back to the conversation. */
  const sendToCall = (entry: ConversationEntry, command: ConversationCommand, host: ActorHost) => {
    const meta = entry.meta;
    host.journal(entry.id, "command", command.type, journalledCommand(command));
    const refuse = (reason: string) => {
      noteCommandRefused(meta, command.id);
      host.send(entry.id, { type: "call.command_refused", id: command.id, reason, receivedAt: performance.now() });
    };
    let grant: AudioStreamGrant | undefined;
    if (command.type === "audio_stream.start") {
      // A stream the call still holds (the switch keeps it after a ::disconnect until `stop`): stop it first.
      const call = host.get(meta.callId);
      const holds = (call?.actor.getSnapshot() as { context?: { audioStream?: unknown } } | undefined)?.context?.audioStream != null;
      if (holds) host.command(meta.callId, { type: "audio_stream", action: "stop", at: Date.now() }, { from: entry.id });
      noteCommandSent(meta, command);
      meta.media.restarted = holds;
      const generation = meta.media.generation;
      try {
        const expected = media.expect({
          callId: meta.callId,
          sampleRate: deps.audio.sampleRate,
          sink: meta.stt,
          onEvent: (event) => onMediaEvent(host, entry, generation, event),
        });
        grant = {
          url: expected.url,
          // The stream's first text frame: who it belongs to. Nothing secret (the token is in the URL only).
          metadata: JSON.stringify({ call_id: meta.callId, conversation_id: entry.id }),
          sampleRate: deps.audio.sampleRate,
          heartBeatSec: deps.audio.heartBeatSec,
        };
      } catch (err) {
        refuse(`no caller-audio stream: ${(err as Error).message}`);
        return;
      }
    } else {
      noteCommandSent(meta, command);
    }
    const result = host.command(meta.callId, callCommandOf(command, Date.now(), grant), { from: entry.id });
    if (result.outcome === "refused") refuse(result.reason);
    else if (result.outcome === "not_found") refuse("the call has ended");
  };

  const journalNotice = (entry: ConversationEntry, event: ConversationEmitted, host: ActorHost) => {
    switch (event.type) {
      case "turn.completed": {
        const { turn } = event;
        host.journal(entry.id, "event", "TURN_COMPLETED", turn);
        for (const [field, metric] of LATENCY_METRICS) {
          const ms = turn.latencies[field];
          if (ms !== null) (metrics[metric] as { observe(v: number): void }).observe(ms / 1000);
        }
        return;
      }
      case "tool.called": {
        const failed = toolCallFailed(event.call.outcome);
        host.journal(entry.id, failed ? "error" : "event", failed ? "TOOL_FAILED" : "TOOL_CALLED", event.call);
        metrics.toolCalls.inc({ outcome: event.call.outcome });
        if (failed) log.warn({ conversationId: entry.id, tool: event.call.name, outcome: event.call.outcome, error: event.call.error }, "tool call failed");
        return;
      }
      case "barge_in":
        host.journal(entry.id, "event", "BARGE_IN", { trigger: event.trigger, turn: event.turn, at: epochMsOf(event.at) });
        metrics.bargeIns.inc({ trigger: event.trigger });
        return;
      case "false_interruption":
        host.journal(entry.id, "event", "FALSE_INTERRUPTION", { resumed: event.resumed, at: epochMsOf(event.at) });
        metrics.falseInterruptions.inc();
        return;
      case "reprompt":
        host.journal(entry.id, "event", "REPROMPT", { count: event.count });
        metrics.reprompts.inc();
        return;
      case "stt.retry":
        host.journal(entry.id, "error", "STT_RETRY", { attempt: event.attempt, reason: event.reason });
        metrics.sttRetries.inc();
        return;
      case "speech_input.lost":
        host.journal(entry.id, "error", "SPEECH_INPUT_LOST", { reason: event.reason });
        metrics.speechInputLost.inc();
        return;
      case "model.error":
        host.journal(entry.id, "error", "MODEL_ERROR", { message: event.message, turn: event.turn });
        metrics.modelErrors.inc();
        log.warn({ conversationId: entry.id, message: event.message }, "language model failed");
        return;
      case "conversation.ended":
        host.journal(entry.id, "event", "CONVERSATION_ENDED", { outcome: event.outcome, cause: event.cause });
        return;
      case "flow.step":
        host.journal(entry.id, "event", "FLOW_STEP", { seq: event.seq, from: event.from, to: event.to, via: event.via, actions: event.actions });
        return;
      case "call.command":
        return;
    }
  };

  const notices: Array<ConversationEmitted["type"]> = [
    "turn.completed",
    "tool.called",
    "barge_in",
    "false_interruption",
    "reprompt",
    "stt.retry",
    "speech_input.lost",
    "model.error",
    "conversation.ended",
    "flow.step",
  ];

  const store = (entry: ConversationEntry, snapshot: ConversationSnapshot) => {
    if (!sink) return;
    try {
      sink.upsert(conversationView(entry, snapshot));
    } catch (err) {
      log.error({ err, conversationId: entry.id }, "conversation could not be stored");
    }
  };

  const forget = (entry: ConversationEntry) => {
    metas.delete(entry.id);
    media.release(entry.meta.callId, "conversation ended");
  };

  return {
    name: "conversation",
    machine,

    create: ({ input, direction, tools, receptionist }) => {
      const meta = newConversationMeta(input.callId, direction);
      if (tools) meta.tools = tools;
      if (receptionist) meta.receptionist = receptionist;
      metas.set(input.conversationId, meta);
      metrics.conversationsStarted.inc({ direction });
      return { id: input.conversationId, input, meta, parentId: input.callId };
    },

    state: (snapshot) => ({ name: conversationStateName(snapshot), status: snapshot.status === "done" ? "ended" : "active" }),

    summary: (snapshot, entry) => {
      const c = snapshot.context;
      const last = c.transcript[c.transcript.length - 1];
      return {
        call_id: entry.meta.callId,
        model: c.model,
        voice: c.voice,
        turns: c.turns.length,
        last_said: last ? { who: last.who, text: last.text, interrupted: last.interrupted } : null,
        tool_calls: c.toolCalls.length,
        speech_input_lost: c.speechInputLost,
        outcome: c.outcome,
      };
    },

    persist: (entry, snapshot) => {
      if (entry.meta.shutdown !== undefined && snapshot.status === "active") {
        // The runtime stops under it (ConversationRuntime.endAll): it ends here, not on a later run.
        entry.meta.endedAt ??= Date.now();
        store(entry, ended(snapshot, "error", entry.meta.shutdown));
        return;
      }
      if (snapshot.status !== "active" && entry.meta.endedAt === null) entry.meta.endedAt = Date.now();
      store(entry, snapshot);
    },

    emitted: {
      "call.command": (entry, event, host) => sendToCall(entry, event.command, host),
      ...Object.fromEntries(notices.map((type) => [type, (entry: ConversationEntry, event: ConversationEmitted, host: ActorHost) => journalNotice(entry, event, host)])),
    },

    fromParent: (event, _parent, child) => noticeOf(event as { type: string }, child.meta),

    parentGone: (_parent, snapshot) => {
      const cause = (snapshot as { context?: { hangupCause?: string | null } } | null)?.context?.hangupCause ?? (snapshot === null ? "call actor failed" : "call ended");
      return { type: "call.ended", cause, receivedAt: performance.now() };
    },

    retired: (entry, snapshot) => {
      metrics.conversationsEnded.inc({ outcome: snapshot.context.outcome ?? "completed" });
      forget(entry);
    },

    crashed: (entry, err, host) => {
      entry.meta.endedAt = Date.now();
      const snapshot = entry.actor.getSnapshot();
      store(entry, ended(snapshot, "error", `conversation failed: ${(err as Error)?.message ?? String(err)}`));
      metrics.conversationsEnded.inc({ outcome: "error" });
      forget(entry);
      // Nobody speaks on this call any more: end it rather than leave the caller in silence.
      host.command(entry.meta.callId, { type: "hangup", at: Date.now(), reason: "conversation failed" }, { from: entry.id });
    },
  };
}
