/**
 * modesl Event → typed SwitchEvent (the core's vocabulary, machines/switch/channel-events.ts).
 *
 * Hand-written checks rather than a schema library: this runs for every event
 * of every channel (1,000 concurrent calls), so it reads each needed header once
 * from the parser's field map and allocates one result object (plus the
 * variables map).
 *
 * Outcomes: a SwitchEvent; or null with a counter — `unknown` for an Event-Name
 * we do not map (CHANNEL_STATE, CODEC, API, …: ignored quietly), `malformed` for
 * a known event missing a header it cannot be understood without (logged).
 */
import { performance } from "node:perf_hooks";
import { childLog } from "../log.ts";
import { frameInfo } from "./guarded-parser.ts";
import { q850ForCause } from "../../machines/switch/hangup-causes.ts";
import type {
  AnswerState,
  BackgroundJobEvent,
  CallDirection,
  ChannelCallState,
  ChannelEvent,
  ChannelMeta,
  EventMeta,
  HeartbeatEvent,
  SwitchEvent,
} from "../../machines/switch/index.ts";

const log = childLog({ mod: "esl.decode" });

/** Every Event-Name decode() maps; also the default subscription of the inbound client. */
export const KNOWN_EVENT_NAMES = [
  "CHANNEL_CREATE",
  "CHANNEL_OUTGOING",
  "CHANNEL_PROGRESS",
  "CHANNEL_PROGRESS_MEDIA",
  "CHANNEL_ANSWER",
  "CHANNEL_PARK",
  "CHANNEL_CALLSTATE",
  "CHANNEL_DATA",
  "CHANNEL_EXECUTE",
  "CHANNEL_EXECUTE_COMPLETE",
  "DTMF",
  "CHANNEL_BRIDGE",
  "CHANNEL_UNBRIDGE",
  "CHANNEL_HANGUP",
  "CHANNEL_HANGUP_COMPLETE",
  "CHANNEL_DESTROY",
  "PLAYBACK_START",
  "PLAYBACK_STOP",
  "BACKGROUND_JOB",
  "HEARTBEAT",
] as const;

/**
 * CUSTOM events are subscribed by subclass, in an `event` command of their
 * own: FreeSWITCH reads every word after CUSTOM as a subclass name
 * (mod_event_socket.c parse_command "event"), so they cannot share the
 * command with the Event-Names above.
 */
export function customSubscription(format: "json" | "plain", subclasses: readonly string[]): string | null {
  return subclasses.length === 0 ? null : `event ${format} CUSTOM ${subclasses.join(" ")}`;
}

export type KnownEventName = (typeof KNOWN_EVENT_NAMES)[number];

export interface DecodeCounters {
  decoded: number;
  unknown: number;
  malformed: number;
}

/** Process-wide decode counters (exported for metrics). */
export const decodeCounters: DecodeCounters = { decoded: 0, unknown: 0, malformed: 0 };

/** What decode() can read: a modesl Event (ideally from the guarded parser), or a plain field map. */
export type DecodeInput = { headers: Array<{ name: string; value: unknown }>; body?: string } | Record<string, unknown>;

type Fields = Record<string, unknown>;

const ANSWER_STATES = new Set<string>(["ringing", "early", "answered", "hangup"]);
const CALL_STATES = new Set<string>(["DOWN", "DIALING", "RINGING", "EARLY", "ACTIVE", "HELD", "RING_WAIT", "HANGUP", "UNHELD"]);

class MissingHeader extends Error {
  constructor(readonly header: string) {
    super(header);
  }
}

function isModeslEvent(input: DecodeInput): input is { headers: Array<{ name: string; value: unknown }>; body?: string } {
  return Array.isArray((input as { headers?: unknown }).headers);
}

/** The field map: the one the guarded parser stashed, else built once from the Event's header list. */
function fieldsOf(input: DecodeInput): { fields: Fields; receivedAt: number | undefined } {
  const info = frameInfo(input);
  if (info) return { fields: info.fields, receivedAt: info.receivedAt };
  if (!isModeslEvent(input)) return { fields: input, receivedAt: undefined };
  const fields: Fields = Object.create(null);
  for (const h of input.headers) fields[h.name] = h.value;
  if (input.body) fields._body = input.body;
  return { fields, receivedAt: undefined };
}

/** A header as a string: JSON multi-value headers (arrays) use FreeSWITCH's plain form "ARRAY::a|:b". */
function str(fields: Fields, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return "ARRAY::" + v.join("|:");
  return String(v);
}

function req(fields: Fields, name: string): string {
  const v = str(fields, name);
  if (v === undefined || v === "") throw new MissingHeader(name);
  return v;
}

function num(fields: Fields, name: string): number {
  const v = fields[name];
  if (v === undefined || v === null || v === "") return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

function eventMeta(fields: Fields, eventName: string, receivedAt: number | undefined): EventMeta {
  return {
    eventName,
    sequence: num(fields, "Event-Sequence"),
    // Event-Date-Timestamp is µs since the epoch on the switch's clock.
    switchTimeMs: num(fields, "Event-Date-Timestamp") / 1000,
    receivedAt: receivedAt ?? performance.now(),
    coreUuid: str(fields, "Core-UUID") ?? "",
  };
}

function variablesOf(fields: Fields): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const key in fields) {
    // FreeSWITCH adds every channel variable as "variable_<name>" on the events that carry extended data.
    if (key.length > 9 && key.startsWith("variable_")) vars[key.slice(9)] = str(fields, key) ?? "";
  }
  return vars;
}

function channelMeta(fields: Fields, eventName: string, receivedAt: number | undefined): ChannelMeta {
  const uuid = req(fields, "Unique-ID");
  const callStateRaw = str(fields, "Channel-Call-State") ?? "";
  const callState = (CALL_STATES.has(callStateRaw) ? callStateRaw : "DOWN") as ChannelCallState;
  const answerRaw = str(fields, "Answer-State") ?? "";
  const directionRaw = str(fields, "Call-Direction") ?? str(fields, "Caller-Direction") ?? "";
  return {
    ...eventMeta(fields, eventName, receivedAt),
    uuid,
    channelName: str(fields, "Channel-Name") ?? str(fields, "Caller-Channel-Name") ?? "",
    direction: (directionRaw === "outbound" ? "outbound" : "inbound") as CallDirection,
    answerState: (ANSWER_STATES.has(answerRaw) ? answerRaw : answerFromCallState(callState)) as AnswerState,
    callState,
    channelState: str(fields, "Channel-State") ?? "",
    callerIdNumber: str(fields, "Caller-Caller-ID-Number") ?? "",
    callerIdName: str(fields, "Caller-Caller-ID-Name") ?? "",
    destinationNumber: str(fields, "Caller-Destination-Number") ?? "",
    variables: variablesOf(fields),
  };
}

function answerFromCallState(callState: ChannelCallState): AnswerState {
  switch (callState) {
    case "ACTIVE":
    case "HELD":
    case "UNHELD":
      return "answered";
    case "EARLY":
      return "early";
    case "HANGUP":
      return "hangup";
    default:
      return "ringing";
  }
}

function hangupCauseOf(fields: Fields): { hangupCause: string; q850: number } {
  // CHANNEL_HANGUP carries Hangup-Cause in its basic data; HANGUP_COMPLETE also as variable_hangup_cause.
  const hangupCause = str(fields, "Hangup-Cause") || str(fields, "variable_hangup_cause");
  if (!hangupCause) throw new MissingHeader("Hangup-Cause");
  const q850Raw = str(fields, "variable_hangup_cause_q850");
  const q850Parsed = q850Raw !== undefined && /^\d+$/.test(q850Raw) ? Number(q850Raw) : undefined;
  return { hangupCause, q850: q850Parsed ?? q850ForCause(hangupCause) };
}

function decodeChannel(fields: Fields, name: string, at: number | undefined): ChannelEvent | null {
  switch (name) {
    case "CHANNEL_CREATE":
      return { ...channelMeta(fields, name, at), kind: "channel.create" };
    case "CHANNEL_OUTGOING":
      return { ...channelMeta(fields, name, at), kind: "channel.outgoing" };
    case "CHANNEL_PROGRESS":
      return { ...channelMeta(fields, name, at), kind: "channel.progress" };
    case "CHANNEL_PROGRESS_MEDIA":
      return { ...channelMeta(fields, name, at), kind: "channel.progress_media" };
    case "CHANNEL_ANSWER":
      return { ...channelMeta(fields, name, at), kind: "channel.answer" };
    case "CHANNEL_PARK":
      return { ...channelMeta(fields, name, at), kind: "channel.park" };
    case "CHANNEL_CALLSTATE": {
      const original = str(fields, "Original-Channel-Call-State");
      const event: ChannelEvent = { ...channelMeta(fields, name, at), kind: "channel.callstate" };
      if (original && CALL_STATES.has(original)) event.originalCallState = original as ChannelCallState;
      return event;
    }
    case "CHANNEL_DATA":
      return { ...channelMeta(fields, name, at), kind: "channel.data" };
    case "CHANNEL_EXECUTE":
      return {
        ...channelMeta(fields, name, at),
        kind: "channel.execute",
        application: req(fields, "Application"),
        // Application-Data is left out when the argument is empty.
        applicationData: str(fields, "Application-Data") ?? "",
        applicationUuid: str(fields, "Application-UUID") ?? "",
      };
    case "CHANNEL_EXECUTE_COMPLETE":
      return {
        ...channelMeta(fields, name, at),
        kind: "channel.execute_complete",
        application: req(fields, "Application"),
        applicationData: str(fields, "Application-Data") ?? "",
        applicationResponse: str(fields, "Application-Response") ?? "_none_",
        applicationUuid: str(fields, "Application-UUID") ?? "",
      };
    case "DTMF":
      return {
        ...channelMeta(fields, name, at),
        kind: "channel.dtmf",
        digit: req(fields, "DTMF-Digit"),
        durationSamples: num(fields, "DTMF-Duration"),
        // DTMF-Source exists from FreeSWITCH 1.6 on.
        source: str(fields, "DTMF-Source") ?? "UNKNOWN",
      };
    case "CHANNEL_BRIDGE":
    case "CHANNEL_UNBRIDGE": {
      const meta = channelMeta(fields, name, at);
      const otherUuid = otherLegOf(fields, meta.uuid);
      return name === "CHANNEL_BRIDGE"
        ? { ...meta, kind: "channel.bridge", otherUuid }
        : { ...meta, kind: "channel.unbridge", otherUuid };
    }
    case "CHANNEL_HANGUP":
      return { ...channelMeta(fields, name, at), kind: "channel.hangup", ...hangupCauseOf(fields) };
    case "CHANNEL_HANGUP_COMPLETE": {
      const meta = channelMeta(fields, name, at);
      const startEpoch = num(fields, "variable_start_epoch");
      const endEpoch = num(fields, "variable_end_epoch");
      const durationSec =
        fields.variable_duration !== undefined ? num(fields, "variable_duration") : endEpoch > 0 && startEpoch > 0 ? endEpoch - startEpoch : 0;
      return {
        ...meta,
        kind: "channel.hangup_complete",
        ...hangupCauseOf(fields),
        durationSec,
        billSec: num(fields, "variable_billsec"),
        progressSec: num(fields, "variable_progresssec"),
        answerSec: num(fields, "variable_answersec"),
        startEpoch,
        answerEpoch: num(fields, "variable_answer_epoch"),
        endEpoch,
      };
    }
    case "CHANNEL_DESTROY":
      return { ...channelMeta(fields, name, at), kind: "channel.destroy" };
    case "PLAYBACK_START":
      return { ...channelMeta(fields, name, at), kind: "playback.start", filePath: req(fields, "Playback-File-Path") };
    case "PLAYBACK_STOP":
      return {
        ...channelMeta(fields, name, at),
        kind: "playback.stop",
        filePath: req(fields, "Playback-File-Path"),
        // Playback-Status is "break" when uuid_break / a terminator cut the file short.
        status: str(fields, "Playback-Status") === "break" ? "break" : "done",
      };
    case "CUSTOM":
      // Only channel-bound CUSTOM events are the core's (a module firing one without channel data is not).
      if (str(fields, "Unique-ID") === undefined) return null;
      return {
        ...channelMeta(fields, name, at),
        kind: "channel.custom",
        // Plain events url-encode the header (mod_audio_stream%3A%3Aconnect); JSON ones do not.
        subclass: decodeSubclass(req(fields, "Event-Subclass")),
        body: str(fields, "_body") ?? "",
      };
    default:
      return null;
  }
}

function decodeSubclass(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** CHANNEL_BRIDGE / UNBRIDGE name both legs (Bridge-A/B-Unique-ID) and the other one in Other-Leg-Unique-ID. */
function otherLegOf(fields: Fields, self: string): string {
  const other = str(fields, "Other-Leg-Unique-ID");
  if (other) return other;
  const a = str(fields, "Bridge-A-Unique-ID");
  const b = str(fields, "Bridge-B-Unique-ID");
  if (a && a !== self) return a;
  if (b && b !== self) return b;
  throw new MissingHeader("Other-Leg-Unique-ID");
}

function decodeBackgroundJob(fields: Fields, at: number | undefined): BackgroundJobEvent {
  return {
    ...eventMeta(fields, "BACKGROUND_JOB", at),
    kind: "background_job",
    jobUuid: req(fields, "Job-UUID"),
    jobCommand: str(fields, "Job-Command") ?? "",
    // Job-Command-Arg is present only when the command had arguments.
    jobCommandArg: str(fields, "Job-Command-Arg") ?? "",
    body: str(fields, "_body") ?? "",
  };
}

function decodeHeartbeat(fields: Fields, at: number | undefined): HeartbeatEvent {
  return {
    ...eventMeta(fields, "HEARTBEAT", at),
    kind: "heartbeat",
    upTimeMsec: num(fields, "Uptime-msec"),
    sessionCount: num(fields, "Session-Count"),
    maxSessions: num(fields, "Max-Sessions"),
    version: str(fields, "FreeSWITCH-Version") ?? "",
  };
}

export type DecodeOutcome =
  | { ok: true; event: SwitchEvent }
  | { ok: false; reason: "unknown" | "malformed"; eventName: string; missing?: string };

/** Decode and say why not; counts into the process-wide counters and, if given, the caller's. */
export function decodeOutcome(input: DecodeInput, counters?: DecodeCounters): DecodeOutcome {
  const { fields, receivedAt } = fieldsOf(input);
  const eventName = str(fields, "Event-Name") ?? "";
  try {
    let event: SwitchEvent | null;
    if (eventName === "BACKGROUND_JOB") event = decodeBackgroundJob(fields, receivedAt);
    else if (eventName === "HEARTBEAT") event = decodeHeartbeat(fields, receivedAt);
    else event = decodeChannel(fields, eventName, receivedAt);
    if (event === null) {
      decodeCounters.unknown++;
      if (counters) counters.unknown++;
      return { ok: false, reason: "unknown", eventName };
    }
    decodeCounters.decoded++;
    if (counters) counters.decoded++;
    return { ok: true, event };
  } catch (err) {
    if (!(err instanceof MissingHeader)) throw err;
    decodeCounters.malformed++;
    if (counters) counters.malformed++;
    log.warn({ eventName, missing: err.header, uuid: str(fields, "Unique-ID") }, "ESL event malformed: required header missing; skipped");
    return { ok: false, reason: "malformed", eventName, missing: err.header };
  }
}

/** modesl Event → SwitchEvent, or null (unknown Event-Name, or malformed: counted, and logged when malformed). */
export function decode(input: DecodeInput, counters?: DecodeCounters): SwitchEvent | null {
  const outcome = decodeOutcome(input, counters);
  return outcome.ok ? outcome.event : null;
}

/** Is this a channel event (carries a channel uuid)? */
export function isChannelEvent(event: SwitchEvent): event is ChannelEvent {
  return event.kind !== "background_job" && event.kind !== "heartbeat";
}
