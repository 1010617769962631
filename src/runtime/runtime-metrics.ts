import { EventLoopLag } from "./event-loop-lag.ts";
import { LATENCY_BUCKETS_S, MetricsRegistry, TURN_BUCKETS_S } from "./metrics.ts";

/** Every metric the runtime exports on /metrics, in one place. */
export function createRuntimeMetrics() {
  const registry = new MetricsRegistry();
  const eventLoopLag = new EventLoopLag();
  const m = {
    registry,
    eventLoopLag,
    callsEnded: registry.counter("switchboard_calls_ended_total", "Calls that reached a final status, by status"),
    callsPlaced: registry.counter("switchboard_calls_placed_total", "Outbound calls accepted by the API"),
    callsInbound: registry.counter("switchboard_calls_inbound_total", "Inbound calls handed over by the switch's socket app"),
    inboundRefused: registry.counter("switchboard_calls_inbound_refused_total", "Inbound calls from the switch hung up at once, by reason (full, shutting_down)"),
    outboundSocketRefused: registry.counter(
      "switchboard_outbound_socket_refused_total",
      "Connections to the outbound socket closed before they became calls, by reason",
    ),
    callsReconciled: registry.counter(
      "switchboard_calls_reconciled_total",
      "Calls left live by an earlier run, checked against the switch on start: resumed, or closed because the switch no longer has them",
    ),
    commandsSent: registry.counter("switchboard_commands_sent_total", "Commands written to the switch, by command"),
    commandErrors: registry.counter("switchboard_command_errors_total", "Commands the switch refused or that failed in transit"),
    apiRequests: registry.counter("switchboard_api_requests_total", "HTTP API requests, by status class"),
    unroutedEvents: registry.counter("switchboard_unrouted_events_total", "Channel events for channels no actor holds"),
    journalRefused: registry.counter("switchboard_journal_refused_total", "Journal rows refused because the journal was overloaded"),
    journalDbRefused: registry.gauge(
      "switchboard_journal_db_refused_rows",
      "Journal and CDR rows the database refused since start, by table and outcome (sanitised and stored, or dropped)",
    ),
    eventToCommand: registry.histogram(
      "switchboard_event_to_command_seconds",
      "Latency from a switch event's bytes arriving to the command it caused being written",
      LATENCY_BUCKETS_S,
    ),
    requestToOriginate: registry.histogram(
      "switchboard_request_to_originate_seconds",
      "Latency from an HTTP originate request arriving to the originate being written",
      LATENCY_BUCKETS_S,
    ),
    liveCalls: registry.gauge("switchboard_live_calls", "Calls with a live actor"),
    liveActors: registry.gauge("switchboard_live_actors", "Live actors, by kind (call, conversation, campaign)"),
    callSuccessRate: registry.gauge("switchboard_call_success_rate", "Completed calls / calls ended (0..1)"),
    apiErrorRate: registry.gauge("switchboard_api_error_rate", "HTTP 5xx responses / all API responses (0..1)"),
    eslQueueDepth: registry.gauge("switchboard_esl_queue_depth", "Decoded switch events waiting for the runtime"),
    eslDropped: registry.gauge("switchboard_esl_dropped_events", "Switch events shed by ESL backpressure"),
    eslLinkUp: registry.gauge("switchboard_esl_link_up", "1 when the ESL link is up"),
    eventLoopLagP99: registry.gauge("switchboard_event_loop_lag_p99_seconds", "Event-loop lag, 99th percentile"),
    eventLoopLagMax: registry.gauge("switchboard_event_loop_lag_max_seconds", "Event-loop lag, maximum"),

    // ── conversations: one observation per caller turn, on one monotonic clock ──
    conversationsStarted: registry.counter("switchboard_conversations_started_total", "Conversations started, by direction of their call"),
    conversationsEnded: registry.counter("switchboard_conversations_ended_total", "Conversations that ended, by outcome"),
    turnEndOfSpeechToFinal: registry.histogram(
      "switchboard_turn_end_of_speech_to_final_seconds",
      "Per turn: the caller's speech ended (audio clock) → the final transcript that ended the turn arrived",
      TURN_BUCKETS_S,
    ),
    turnFinalToFirstToken: registry.histogram(
      "switchboard_turn_final_to_first_token_seconds",
      "Per turn: final transcript → the language model's first token",
      TURN_BUCKETS_S,
    ),
    turnFirstTokenToFirstSentence: registry.histogram(
      "switchboard_turn_first_token_to_first_sentence_seconds",
      "Per turn: first token → the first complete sentence handed to TTS",
      TURN_BUCKETS_S,
    ),
    turnFirstSentenceToTtsCommand: registry.histogram(
      "switchboard_turn_first_sentence_to_tts_command_seconds",
      "Per turn: first sentence → its say/play sent to the call (the TTS engine's time to audio; 0 for speak)",
      TURN_BUCKETS_S,
    ),
    turnTtsCommandToPlayback: registry.histogram(
      "switchboard_turn_tts_command_to_playback_seconds",
      "Per turn: say/play sent → the switch reports it playing",
      TURN_BUCKETS_S,
    ),
    turnFinalToTtsCommand: registry.histogram(
      "switchboard_turn_final_to_tts_command_seconds",
      "Per turn: final transcript → first say/play sent (model, sentence split and TTS: the runtime's part of the turn)",
      TURN_BUCKETS_S,
    ),
    turnVoiceToVoice: registry.histogram(
      "switchboard_turn_voice_to_voice_seconds",
      "Per turn: the caller stopped speaking → the bot's reply is heard",
      TURN_BUCKETS_S,
    ),
    bargeIns: registry.counter("switchboard_conversation_barge_ins_total", "Callers cutting the bot off, by trigger (speech_started, words, dtmf)"),
    falseInterruptions: registry.counter("switchboard_conversation_false_interruptions_total", "Barge-ins with no words after them: the bot resumed"),
    reprompts: registry.counter("switchboard_conversation_reprompts_total", "Silence reprompts"),
    toolCalls: registry.counter("switchboard_conversation_tool_calls_total", "Tool calls of the model, by outcome"),
    modelErrors: registry.counter("switchboard_conversation_model_errors_total", "Language-model requests that failed"),
    sttRetries: registry.counter("switchboard_conversation_stt_retries_total", "Speech-to-text streams restarted after a loss"),
    speechInputLost: registry.counter("switchboard_conversation_speech_input_lost_total", "Conversations that lost speech input for good"),
    llmTokens: registry.counter("switchboard_llm_tokens_total", "Language-model tokens, by kind (prompt, completion)"),
    safetyInterventions: registry.counter(
      "switchboard_safety_interventions_total",
      "Safety interventions, by stage (input, output, moderation) and rule (extraction, blocked_topic, instructions, flagged, …)",
    ),
    safetyLocalCheck: registry.histogram("switchboard_safety_local_check_seconds", "Safety: one local check (a caller turn, a reply sentence)", LATENCY_BUCKETS_S),
    safetyModeration: registry.histogram("switchboard_safety_moderation_seconds", "Safety: one moderation request for a reply sentence", TURN_BUCKETS_S),
    sttStreams: registry.counter("switchboard_stt_streams_total", "Speech-to-text streams opened, by result (opened, failed)"),
    sttFrames: registry.counter(
      "switchboard_stt_frames_total",
      "Audio frames offered to speech-to-text by closed streams, by result (sent, shed: the connection could not take them)",
    ),
    ttsCache: registry.gauge("switchboard_tts_cache_total", "Rendered-TTS cache lookups since start, by result (hit, miss, joined, failure)"),
    mediaStreams: registry.gauge("switchboard_media_streams_total", "Caller-audio streams since start, by result (accepted, closed, expired, refused_<reason>)"),
    mediaFrames: registry.gauge(
      "switchboard_media_frames_total",
      "Caller-audio frames since start, by result (in, delivered, shed, unbound, odd_sized, empty, text_unexpected)",
    ),
    mediaLiveStreams: registry.gauge("switchboard_media_live_streams", "Caller-audio streams open now"),
  };
  m.callSuccessRate.collect(() => {
    const ended = m.callsEnded.total();
    return ended === 0 ? 0 : m.callsEnded.get({ status: "completed" }) / ended;
  });
  m.apiErrorRate.collect(() => {
    const all = m.apiRequests.total();
    return all === 0 ? 0 : m.apiRequests.get({ class: "5xx" }) / all;
  });
  m.eventLoopLagP99.collect(() => eventLoopLag.snapshot().p99 / 1000);
  m.eventLoopLagMax.collect(() => eventLoopLag.snapshot().max / 1000);
  return m;
}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;
