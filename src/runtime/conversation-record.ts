/**
 * Projection of a conversation actor: the `conversations` row the journal
 * writes (db/schema.ts), from the machine's context. Pure: the caller passes
 * the ids and clocks the context does not hold.
 *
 * The machine's times are monotonic milliseconds (performance.now() as the
 * runtime stamped them); a row holds wall-clock times, so each mark is moved
 * by `clockOrigin` (the epoch time of monotonic 0: `performance.timeOrigin`).
 * Latencies are differences of the monotonic marks themselves, so a wall-clock
 * step (NTP) between two marks never shows in them.
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

export interface ConversationRecordInput {
  context: ConversationContext;
  /** The call's direction (the context does not hold it). */
  direction: CallDirection;
  /** Epoch ms the conversation actor was spawned. */
  startedAt: number;
  /** Epoch ms of monotonic time 0: wall time = clockOrigin + a context time. */
  clockOrigin: number;
  /** The actor reached its final state. */
  done: boolean;
  /** Epoch ms now: updated_at, and ended_at when the machine ended without a time. */
  now: number;
  /** XState's persisted snapshot while it lives (resume); null once done; undefined leaves the stored one. */
  persisted?: unknown | null;
}

/** What the API reads of a live conversation: its row as it would be stored now, and its actor state. */
export interface LiveConversationView {
  row: NewConversation;
  /** The actor's state name, e.g. "dialog.listening". */
  state: string;
}

export function conversationRecord(input: ConversationRecordInput): NewConversation {
  const { context: c, clockOrigin } = input;
  const wall = (ms: number | null): string | null => (ms === null ? null : new Date(clockOrigin + ms).toISOString());
  const ended = input.done || c.endedAt !== null;
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
    endedAt: ended ? new Date(c.endedAt !== null ? clockOrigin + c.endedAt : input.now) : null,
    updatedAt: new Date(input.now),
  };
  if (input.persisted !== undefined) row.snapshot = input.persisted;
  return row;
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
