/**
 * The JSON shape of a conversation (snake_case), for a live one read from its
 * actor and a stored row alike. Each field is picked by name: the system
 * prompt and the persisted snapshot (which holds the prompt too) are never
 * read here, so no answer can carry them.
 */
import type { NewConversation, StoredToolCall, StoredTranscriptEntry, StoredTurn, StoredUsage } from "../db/schema.ts";

/**
 * What the view may read of a row, stored (a select without the prompt) or
 * live (runtime/conversation-record.ts): everything but the prompt and the snapshot.
 */
export type ConversationViewRow = Pick<NewConversation, "id" | "callId" | "direction" | "model" | "voice"> &
  Partial<
    Pick<
      NewConversation,
      | "status"
      | "outcome"
      | "endCause"
      | "firstMessage"
      | "transcript"
      | "turns"
      | "toolCalls"
      | "usage"
      | "startedAt"
      | "endedAt"
      | "updatedAt"
      | "receptionistId"
      | "receptionistVersion"
      | "flowVersion"
      | "flowPath"
      | "analysis"
      | "analysisStatus"
      | "analysisError"
      | "analyzedAt"
    >
  >;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** `actor`: the actor's state (and whether it still runs) when the runtime holds the conversation. */
export function conversationJson(row: ConversationViewRow, actor?: { state: string; live: boolean }) {
  return {
    id: row.id,
    call_id: row.callId,
    direction: row.direction,
    status: row.status ?? "active",
    state: actor?.state ?? null,
    live: actor?.live ?? false,
    outcome: row.outcome ?? null,
    end_cause: row.endCause ?? null,
    model: row.model,
    voice: { engine: row.voice.engine, voice: row.voice.voice },
    first_message: row.firstMessage ?? null,
    started_at: iso(row.startedAt),
    ended_at: iso(row.endedAt),
    updated_at: iso(row.updatedAt),
    transcript: (row.transcript ?? []).map(transcriptEntryJson),
    turns: (row.turns ?? []).map(turnJson),
    tool_calls: (row.toolCalls ?? []).map(toolCallJson),
    usage: usageJson(row.usage ?? null),
    // A receptionist's conversation: the receptionist and version it was pinned to, the flow and the nodes it went through.
    ...(row.receptionistId ? { receptionist: { id: row.receptionistId, version: row.receptionistVersion ?? null } } : {}),
    ...(row.flowVersion ? { flow: { version: row.flowVersion, path: (row.flowPath ?? []).map((v) => ({ node: v.node, via: v.via })) } } : {}),
    analysis: analysisJson(row),
  };
}

/**
 * The post-call analysis (runtime/post-call.ts): null while the conversation
 * lives; once it ended, its status — pending until the model pass is stored
 * (an ended row not yet taken up is pending too), then done with the data,
 * or failed / skipped with the reason.
 */
export function analysisJson(row: Pick<ConversationViewRow, "status" | "analysis" | "analysisStatus" | "analysisError" | "analyzedAt">) {
  const status = row.analysisStatus ?? (row.status === "ended" ? "pending" : null);
  if (status === null) return null;
  const a = status === "done" ? (row.analysis ?? null) : null;
  return {
    status,
    summary: a?.summary ?? null,
    caller_name: a?.callerName ?? null,
    reason: a?.reason ?? null,
    callback_number: a?.callbackNumber ?? null,
    appointment: a?.appointment ? { start: a.appointment.start, service: a.appointment.service } : null,
    success: a ? a.success : null,
    outcome_reason: a?.outcomeReason ?? null,
    model: a?.model ?? null,
    error: status === "failed" || status === "skipped" ? (row.analysisError ?? null) : null,
    analyzed_at: iso(row.analyzedAt),
  };
}

function transcriptEntryJson(e: StoredTranscriptEntry) {
  return {
    who: e.who,
    text: e.text,
    started_at: e.startedAt,
    ended_at: e.endedAt,
    interrupted: e.interrupted,
    ...(e.who === "caller" ? { via: e.via ?? "speech" } : {}),
  };
}

function turnJson(t: StoredTurn) {
  const l = t.latencyMs;
  const m = t.marks;
  return {
    index: t.index,
    caller_text: t.callerText,
    interrupted: t.interrupted,
    llm_requests: t.llmRequests,
    tool_call_ids: t.toolCallIds,
    latency_ms: {
      end_of_speech_to_final: l.endOfSpeechToFinal,
      final_to_first_token: l.finalToFirstToken,
      first_token_to_first_sentence: l.firstTokenToFirstSentence,
      first_sentence_to_tts_command: l.firstSentenceToTtsCommand,
      /** The runtime's share: final transcript → first say/play sent (model, splitter and TTS). */
      final_to_tts_command: l.finalToTtsCommand,
      tts_to_playback: l.ttsCommandToPlayback,
      voice_to_voice: l.voiceToVoice,
    },
    marks: {
      end_of_speech: m.endOfSpeech,
      final_transcript: m.finalTranscript,
      llm_first_token: m.llmFirstToken,
      first_sentence: m.firstSentence,
      tts_command: m.ttsCommand,
      playback_started: m.playbackStarted,
    },
  };
}

function toolCallJson(t: StoredToolCall) {
  return {
    id: t.id,
    name: t.name,
    /** As the model wrote them: JSON text, possibly invalid (outcome invalid_arguments). */
    arguments: t.arguments,
    result: t.result,
    outcome: t.outcome,
    error: t.error,
    duration_ms: t.durationMs,
    started_at: t.startedAt,
    ended_at: t.endedAt,
    turn: t.turn,
  };
}

function usageJson(u: StoredUsage | null) {
  return {
    prompt_tokens: u?.promptTokens ?? 0,
    completion_tokens: u?.completionTokens ?? 0,
    llm_requests: u?.llmRequests ?? 0,
    tts_requests: u?.ttsRequests ?? 0,
    tts_characters: u?.ttsCharacters ?? 0,
  };
}
