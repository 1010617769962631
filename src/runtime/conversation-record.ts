/**
 * Projection of a conversation actor: the `conversations` row the journal
 * writes (db/schema.ts), from the machine's context. Pure: the caller passes
 * the ids and clocks the context does not hold.
 *
 * The machine's times are monotonic milliseconds (performance.now() as the
 * runtime stamped them); a row holds wall-clock times, converted by the
 * runtime's clock (`epochMsOf`). Latencies are differences of the monotonic
 * marks themselves, so a wall-clock step (NTP) between two marks never shows.
 *
 * `recordOfView` takes the runtime's ConversationView (conversation-api.ts),
 * and `conversationSink` is the ConversationSink the runtime calls on every
 * change of a conversation.
 */
import type { ConversationContext, ToolCallRecord, TranscriptEntry, TurnRecord } from "../../machines/conversation-types.ts";
import { turnLatencies, type TurnMarks } from "../../machines/turn-latency.ts";
import type {
  CallDirection,
  NewConversation,
  StoredToolCall,
  StoredTranscriptEntry,
  StoredTurn,
  StoredUsage,
} from "../db/schema.ts";
import type { ConversationSink, ConversationView } from "./conversation-api.ts";

/** The runtime's monotonic clock, read as the wall clock: epoch ms of a context time (null stays null). */
export interface MonotonicClock {
  epochMsOf(monotonicMs: number | null): number | null;
}

export interface ConversationRecordInput {
  context: ConversationContext;
  /** The call's direction (the context does not hold it). */
  direction: CallDirection;
  /** Epoch ms the conversation was started. */
  startedAt: number;
  clock: MonotonicClock;
  /** The conversation is over (the actor reached its final state). */
  done: boolean;
  /** Epoch ms it ended, when the runtime knows; else the machine's end time, else `now`. */
  endedAt?: number | null;
  /** Epoch ms now: updated_at. */
  now: number;
  /** XState's persisted snapshot while it lives (resume); null once done; undefined leaves the stored one. */
  persisted?: unknown | null;
  /** The receptionist and its pinned version, for a receptionist's conversation. */
  receptionist?: { id: string; version: number } | undefined;
}

export function conversationRecord(input: ConversationRecordInput): NewConversation {
  const { context: c, clock } = input;
  const wall = (ms: number | null): string | null => {
    const epoch = clock.epochMsOf(ms);
    return epoch === null ? null : new Date(epoch).toISOString();
  };
  const ended = input.done || c.endedAt !== null;
  const endedAt = input.endedAt ?? clock.epochMsOf(c.endedAt) ?? input.now;
  const voice = { engine: c.voice.engine, voice: c.voice.voice, ...(c.voice.model !== undefined ? { model: c.voice.model } : {}) };
  const usage: StoredUsage = { ...c.usage };
  const row: NewConversation = {
    id: c.conversationId,
    callId: c.callId,
    direction: input.direction,
    status: ended ? "ended" : "active",
    outcome: c.outcome,
    endCause: c.endCause,
    model: c.model,
    voice,
    firstMessage: c.firstMessage,
    systemPrompt: systemPromptOf(c),
    transcript: c.transcript.map((e) => transcriptEntry(e, wall)),
    turns: c.turns.map((t) => turnRecord(t, wall)),
    toolCalls: c.toolCalls.map((t) => toolCallRecord(t, wall)),
    usage,
    startedAt: new Date(input.startedAt),
    endedAt: ended ? new Date(endedAt) : null,
    updatedAt: new Date(input.now),
  };
  if (input.persisted !== undefined) row.snapshot = input.persisted;
  if (input.receptionist) {
    row.receptionistId = input.receptionist.id;
    row.receptionistVersion = input.receptionist.version;
  }
  if (c.flow) {
    // The flow pinned at start, and the nodes entered so far.
    row.flowVersion = c.flow.version;
    row.flow = c.flow.flow;
    row.flowPath = c.flow.state.context.path.map((v) => ({ node: v.node, via: v.via }));
  }
  return row;
}

/** The row a view of the runtime stands for now (`now`: epoch ms, for updated_at). */
export function recordOfView(view: ConversationView, now: number): NewConversation {
  return conversationRecord({
    context: view.context,
    direction: view.direction,
    startedAt: view.createdAt,
    clock: view.clock,
    done: !view.live,
    endedAt: view.endedAt,
    now,
    receptionist: view.receptionist,
  });
}

/**
 * The ConversationSink the runtime calls on every change of a conversation and
 * once when it ends: the row, upserted through the journal (batched; a row the
 * database refuses is sanitised, stored and counted there).
 */
export function conversationSink(
  journal: { upsertConversation(row: NewConversation): void },
  now: () => number = Date.now,
): ConversationSink {
  return { upsert: (view) => journal.upsertConversation(recordOfView(view, now())) };
}

/** The system message the model's history starts with ("" when there is none). */
function systemPromptOf(c: ConversationContext): string {
  const system = c.messages.find((m) => m.role === "system");
  return system?.content ?? "";
}

type Wall = (ms: number | null) => string | null;

function transcriptEntry(e: TranscriptEntry, wall: Wall): StoredTranscriptEntry {
  return {
    who: e.who,
    text: e.text,
    startedAt: wall(e.startedAt),
    endedAt: wall(e.endedAt),
    interrupted: e.interrupted,
    ...(e.via !== undefined ? { via: e.via } : {}),
  };
}

/** Microseconds are the most a latency on this clock means. */
const ms = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);

function turnRecord(t: TurnRecord, wall: Wall): StoredTurn {
  // Recomputed from the marks: a turn still being answered has the latencies of the steps done so far.
  const l = turnLatencies(t.marks);
  const marks = Object.fromEntries(Object.entries(t.marks).map(([k, v]) => [k, wall(v)])) as Record<keyof TurnMarks, string | null>;
  return {
    index: t.index,
    callerText: t.callerText,
    interrupted: t.interrupted,
    llmRequests: t.llmRequests,
    toolCallIds: [...t.toolCallIds],
    marks,
    latencyMs: {
      endOfSpeechToFinal: ms(l.endOfSpeechToFinalMs),
      finalToFirstToken: ms(l.finalToFirstTokenMs),
      firstTokenToFirstSentence: ms(l.firstTokenToFirstSentenceMs),
      firstSentenceToTtsCommand: ms(l.firstSentenceToTtsCommandMs),
      finalToTtsCommand: ms(l.finalToTtsCommandMs),
      ttsCommandToPlayback: ms(l.ttsCommandToPlaybackMs),
      voiceToVoice: ms(l.voiceToVoiceMs),
    },
  };
}

function toolCallRecord(t: ToolCallRecord, wall: Wall): StoredToolCall {
  return {
    id: t.id,
    name: t.name,
    arguments: t.arguments,
    outcome: t.outcome,
    result: t.result,
    error: t.error,
    startedAt: wall(t.startedAt),
    endedAt: wall(t.endedAt),
    durationMs: ms(t.durationMs),
    turn: t.turn,
  };
}
