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
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
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

/** A flow node a conversation entered, and the function that led there. */
export interface StoredFlowVisit {
  node: string;
  via: string | null;
}

/** Where a conversation's post-call analysis is: null while it lives, then pending → done | failed (or skipped). */
export const ANALYSIS_STATUSES = ["pending", "done", "failed", "skipped"] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/** The post-call analysis (src/ai/analysis/): one model pass over the ended conversation, validated. */
export interface StoredAnalysis {
  summary: string;
  callerName: string | null;
  reason: string | null;
  /** E.164, or null when the caller gave none the tools could normalise. */
  callbackNumber: string | null;
  /** The appointment the call ended with: its start in the business's local time (YYYY-MM-DDTHH:MM) and service. */
  appointment: { start: string; service: string | null } | null;
  success: boolean;
  outcomeReason: string;
  /** The model that wrote it. */
  model: string;
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
    /** A receptionist's conversation: which receptionist, and the definition version pinned at start (null otherwise). */
    receptionistId: uuid("receptionist_id"),
    receptionistVersion: integer("receptionist_version"),
    /** The flow it ran, pinned at start: its compiled version ("sha256:…") and checked JSON. */
    flowVersion: text("flow_version"),
    flow: jsonb("flow").$type<unknown>(),
    /** The flow's nodes entered, oldest first: [{node, via}] (via: the function taken; null for the first). */
    flowPath: jsonb("flow_path").$type<StoredFlowVisit[]>(),
    /**
     * The post-call analysis, written by runtime/post-call.ts alone: the
     * journal's upsert never sets these columns (queries/conversations.ts
     * strips them), so a late row rewrite cannot undo an analysis.
     */
    analysis: jsonb("analysis").$type<StoredAnalysis>(),
    analysisStatus: text("analysis_status", { enum: ANALYSIS_STATUSES }),
    analysisError: text("analysis_error"),
    analyzedAt: tstz("analyzed_at"),
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
    check("conversations_analysis_status_check", sql`${t.analysisStatus} in (${sqlList(ANALYSIS_STATUSES)})`),
    // What start-up recovery scans for: ended conversations whose analysis never finished.
    index("conversations_analysis_due_idx")
      .on(t.endedAt)
      .where(sql`${t.status} = 'ended' and (${t.analysisStatus} is null or ${t.analysisStatus} = 'pending')`),
  ],
);

/**
 * E.164 as stored: "+", a country code that does not start with 0, at most 15
 * digits in all (ITU-T E.164 §6). The tools normalise what callers say to it.
 */
export const E164_PATTERN = "^\\+[1-9][0-9]{6,14}$";
export const E164 = new RegExp(E164_PATTERN);

/**
 * An AI receptionist: its current definition (machines/receptionist's
 * ReceptionistDefinition, as validated JSON) and its version. Every saved
 * definition is also kept in receptionist_versions, so a conversation pins the
 * version it started with and an edit never changes a live call. Deleting is
 * soft (deleted_at): appointments and messages keep pointing at it.
 */
export const receptionists = pgTable(
  "receptionists",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    definition: jsonb("definition").$type<unknown>().notNull(),
    version: integer("version").notNull().default(1),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    deletedAt: tstz("deleted_at"),
  },
  (t) => [
    index("receptionists_created_at_idx").on(t.createdAt, t.id),
    check("receptionists_version_check", sql`${t.version} >= 1`),
  ],
);

/** Every version of every receptionist's definition, immutable once written. */
export const receptionistVersions = pgTable(
  "receptionist_versions",
  {
    receptionistId: uuid("receptionist_id")
      .notNull()
      .references(() => receptionists.id),
    version: integer("version").notNull(),
    definition: jsonb("definition").$type<unknown>().notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "receptionist_versions_pkey", columns: [t.receptionistId, t.version] })],
);

/** A DID routed to a receptionist: an inbound call to it starts that receptionist's conversation. */
export const numbers = pgTable(
  "numbers",
  {
    did: text("did").primaryKey(),
    receptionistId: uuid("receptionist_id")
      .notNull()
      .references(() => receptionists.id),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("numbers_receptionist_id_idx").on(t.receptionistId),
    index("numbers_created_at_idx").on(t.createdAt, t.did),
    check("numbers_did_check", sql`${t.did} ~ ${sql.raw(`'${E164_PATTERN}'`)}`),
  ],
);

export const APPOINTMENT_STATUSES = ["booked", "cancelled"] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/**
 * Appointments booked by the receptionist's tools. `appointments_slot_key` is
 * the guarantee that two callers never get the same slot: at most one booked
 * row per (receptionist, start, sandbox). Slots start on the booking grid (the
 * tools refuse a start that is not on it), so equal starts are what a clash
 * is. Sandbox rows (the text test bench) live beside real ones and never
 * block them. conversation_id has no foreign key: a text test session's
 * conversation may not be stored.
 */
export const appointments = pgTable(
  "appointments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    receptionistId: uuid("receptionist_id")
      .notNull()
      .references(() => receptionists.id),
    startsAt: tstz("starts_at").notNull(),
    endsAt: tstz("ends_at").notNull(),
    name: text("name").notNull(),
    phone: text("phone").notNull(),
    service: text("service"),
    notes: text("notes"),
    status: text("status", { enum: APPOINTMENT_STATUSES }).notNull().default("booked"),
    conversationId: text("conversation_id"),
    /** The appointment this one replaced (reschedule_appointment). */
    rescheduledFrom: uuid("rescheduled_from"),
    sandbox: boolean("sandbox").notNull().default(false),
    createdAt: tstz("created_at").notNull().defaultNow(),
    cancelledAt: tstz("cancelled_at"),
  },
  (t) => [
    uniqueIndex("appointments_slot_key").on(t.receptionistId, t.startsAt, t.sandbox).where(sql`${t.status} = 'booked'`),
    index("appointments_receptionist_phone_idx").on(t.receptionistId, t.phone, t.startsAt),
    index("appointments_starts_at_idx").on(t.startsAt, t.id),
    check("appointments_status_check", sql`${t.status} in (${sqlList(APPOINTMENT_STATUSES)})`),
    check("appointments_time_check", sql`${t.endsAt} > ${t.startsAt}`),
    check("appointments_phone_check", sql`${t.phone} ~ ${sql.raw(`'${E164_PATTERN}'`)}`),
  ],
);

export const MESSAGE_URGENCIES = ["low", "normal", "high", "urgent"] as const;
export type MessageUrgency = (typeof MESSAGE_URGENCIES)[number];

/** Messages taken for the business (take_message): who called, the number to call back, why, how urgent. */
export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    receptionistId: uuid("receptionist_id")
      .notNull()
      .references(() => receptionists.id),
    conversationId: text("conversation_id"),
    callerName: text("caller_name").notNull(),
    callbackNumber: text("callback_number").notNull(),
    reason: text("reason").notNull(),
    urgency: text("urgency", { enum: MESSAGE_URGENCIES }).notNull().default("normal"),
    sandbox: boolean("sandbox").notNull().default(false),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("messages_created_at_idx").on(t.createdAt, t.id),
    index("messages_receptionist_created_at_idx").on(t.receptionistId, t.createdAt, t.id),
    check("messages_urgency_check", sql`${t.urgency} in (${sqlList(MESSAGE_URGENCIES)})`),
    check("messages_callback_number_check", sql`${t.callbackNumber} ~ ${sql.raw(`'${E164_PATTERN}'`)}`),
  ],
);

export type CallRow = typeof calls.$inferSelect;
export type NewCall = typeof calls.$inferInsert;
export type CallEventRow = typeof callEvents.$inferSelect;
export type NewCallEvent = typeof callEvents.$inferInsert;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type NewConversation = typeof conversations.$inferInsert;
export type ReceptionistRow = typeof receptionists.$inferSelect;
export type ReceptionistVersionRow = typeof receptionistVersions.$inferSelect;
export type NumberRow = typeof numbers.$inferSelect;
export type AppointmentRow = typeof appointments.$inferSelect;
export type NewAppointment = typeof appointments.$inferInsert;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;
