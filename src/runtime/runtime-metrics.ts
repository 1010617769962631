import { EventLoopLag } from "./event-loop-lag.ts";
import { LATENCY_BUCKETS_S, MetricsRegistry } from "./metrics.ts";

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
