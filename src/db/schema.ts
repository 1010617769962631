/**
 * Drizzle schema-as-code: one table per export. The same schema and the same
 * committed migrations run on PostgreSQL 15 (postgres.js) and PGlite 0.5
 * (PostgreSQL 18 in WASM), so only SQL both accept belongs here.
 */
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";

export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** Twilio's call status names, so users can reuse their mental model. */
export const CALL_STATUSES = [
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "failed",
  "canceled",
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const CALL_EVENT_KINDS = ["event", "command", "transition", "refusal", "error"] as const;
export type CallEventKind = (typeof CALL_EVENT_KINDS)[number];

/** An XState state value: a state name, or nested states for parallel/compound machines. */
export type StateValue = string | { [region: string]: StateValue };

/**
 * Millisecond precision: a JS Date round-trips exactly, so a listing cursor made
 * from a row's created_at compares equal to the stored value.
 */
const tstz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

const sqlList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/** The CDR: one row per call, keyed by the FreeSWITCH channel UUID. */
export const calls = pgTable(
  "calls",
  {
    id: text("id").primaryKey(),
    direction: text("direction", { enum: CALL_DIRECTIONS }).notNull(),
    fromNumber: text("from_number"),
    toNumber: text("to_number").notNull(),
    status: text("status", { enum: CALL_STATUSES }).notNull().default("queued"),
    stateValue: jsonb("state_value").$type<StateValue>(),
    hangupCause: text("hangup_cause"),
    q850: integer("q850"),
    hangupBy: text("hangup_by"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    initiatedAt: tstz("initiated_at"),
    ringingAt: tstz("ringing_at"),
    answeredAt: tstz("answered_at"),
    endedAt: tstz("ended_at"),
    ringSec: doublePrecision("ring_sec"),
    talkSec: doublePrecision("talk_sec"),
    statusCallback: text("status_callback"),
    dryRun: boolean("dry_run").notNull().default(false),
    error: text("error"),
    /** The call actor's persisted XState snapshot, so a restarted runtime resumes a call still up on the switch. */
    snapshot: jsonb("snapshot").$type<unknown>(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("calls_status_created_at_idx").on(t.status, t.createdAt),
    index("calls_created_at_idx").on(t.createdAt),
    check("calls_direction_check", sql`${t.direction} in (${sqlList(CALL_DIRECTIONS)})`),
    check("calls_status_check", sql`${t.status} in (${sqlList(CALL_STATUSES)})`),
  ],
);

/**
 * Append-only journal of everything that happened to a call. No foreign key to
 * calls: events may be journalled before (or without) a CDR row. (call_id, seq)
 * is unique so a replayed batch cannot double-append.
 */
export const callEvents = pgTable(
  "call_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    callId: text("call_id").notNull(),
    seq: integer("seq").notNull(),
    kind: text("kind", { enum: CALL_EVENT_KINDS }).notNull(),
    name: text("name").notNull(),
    data: jsonb("data").$type<unknown>(),
    at: tstz("at").notNull().defaultNow(),
  },
  (t) => [
    unique("call_events_call_id_seq_key").on(t.callId, t.seq),
    check("call_events_kind_check", sql`${t.kind} in (${sqlList(CALL_EVENT_KINDS)})`),
  ],
);

/** API keys: only the sha256 of a key is stored; the plaintext is shown once. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    lastUsedAt: tstz("last_used_at"),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [unique("api_keys_key_hash_key").on(t.keyHash), index("api_keys_prefix_idx").on(t.prefix)],
);

export const CONVERSATION_STATUSES = ["active", "ended"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/**
 * What a conversation's jsonb columns hold: wall-clock times as ISO 8601
 * strings (converted from the runtime's monotonic marks), durations in
 * milliseconds. The storage shape; the API maps it to snake_case
 * (http/conversation-view.ts).
 */
export interface StoredVoice {
  engine: string;
  voice: string;
  model?: string;
}

export interface StoredTranscriptEntry {
  who: "caller" | "bot";
  text: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Bot: the caller cut it off (the text is what was heard). */
  interrupted: boolean;
  /** Caller: spoken, or typed on the keypad. */
  via?: "speech" | "keypad";
}

/** One caller turn and the reply to it, on one clock: when each step happened, and the latencies between them. */
export interface StoredTurn {
  index: number;
  callerText: string;
  interrupted: boolean;
  llmRequests: number;
  toolCallIds: string[];
  marks: {
    endOfSpeech: string | null;
    finalTranscript: string | null;
    llmFirstToken: string | null;
    firstSentence: string | null;
    ttsCommand: string | null;
    playbackStarted: string | null;
  };
  /** Computed from the monotonic marks (sub-millisecond, rounded to µs), not from the ISO times above. */
  latencyMs: {
    endOfSpeechToFinal: number | null;
    finalToFirstToken: number | null;
    firstTokenToFirstSentence: number | null;
    firstSentenceToTtsCommand: number | null;
    finalToTtsCommand: number | null;
    ttsCommandToPlayback: number | null;
    voiceToVoice: number | null;
  };
}

export interface StoredToolCall {
  id: string;
  name: string;
  /** As the model wrote them (JSON text, possibly invalid). */
  arguments: string;
  outcome: string;
  /** What the model was given. */
  result: string;
  error: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  turn: number | null;
}

export interface StoredUsage {
  promptTokens: number;
  completionTokens: number;
  llmRequests: number;
  ttsRequests: number;
  ttsCharacters: number;
}

/**
 * One row per conversation (voice on a call, keyed by the conversation actor's
 * id): its settings, and what was said and measured, rewritten as it goes.
 * `system_prompt` is kept for resume and audit only: the API never returns it
 * and nothing logs it (a prompt is what callers must not hear).
 */
export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    callId: text("call_id")
      .notNull()
      .references(() => calls.id),
    direction: text("direction", { enum: CALL_DIRECTIONS }).notNull(),
    status: text("status", { enum: CONVERSATION_STATUSES }).notNull().default("active"),
    /** machines/conversation-types.ts ConversationOutcome; null while active. */
    outcome: text("outcome"),
    /** The call's hangup cause when the call ended it. */
    endCause: text("end_cause"),
    model: text("model").notNull(),
    voice: jsonb("voice").$type<StoredVoice>().notNull(),
    firstMessage: text("first_message"),
    systemPrompt: text("system_prompt").notNull(),
    transcript: jsonb("transcript").$type<StoredTranscriptEntry[]>().notNull().default(sql`'[]'::jsonb`),
    turns: jsonb("turns").$type<StoredTurn[]>().notNull().default(sql`'[]'::jsonb`),
    toolCalls: jsonb("tool_calls").$type<StoredToolCall[]>().notNull().default(sql`'[]'::jsonb`),
    usage: jsonb("usage").$type<StoredUsage>(),
    /** The actor's persisted XState snapshot while it lives (resume); it holds the prompt too, so never returned. */
    snapshot: jsonb("snapshot").$type<unknown>(),
    startedAt: tstz("started_at").notNull().defaultNow(),
    endedAt: tstz("ended_at"),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("conversations_started_at_idx").on(t.startedAt, t.id),
    index("conversations_status_started_at_idx").on(t.status, t.startedAt, t.id),
    index("conversations_call_id_idx").on(t.callId, t.startedAt),
    check("conversations_direction_check", sql`${t.direction} in (${sqlList(CALL_DIRECTIONS)})`),
    check("conversations_status_check", sql`${t.status} in (${sqlList(CONVERSATION_STATUSES)})`),
  ],
);

export type CallRow = typeof calls.$inferSelect;
export type NewCall = typeof calls.$inferInsert;
export type CallEventRow = typeof callEvents.$inferSelect;
export type NewCallEvent = typeof callEvents.$inferInsert;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type NewConversation = typeof conversations.$inferInsert;
