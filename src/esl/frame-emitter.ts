/**
 * Hands framed ESL events to modesl's listeners: builds modesl's Event exactly
 * as its own parser would (plus the Modesl-Reply-OK / -ERR massaging its
 * Connection relies on), stamps each with its arrival time and field map
 * (frameInfo(), read by decode.ts), and keeps the process-wide parser counters
 * for metrics. Split from guarded-parser.ts so the stream framing there stays
 * about bytes, and a throwing listener is contained in one place.
 */
import Event from "modesl/lib/esl/Event.js";
import type Parser from "modesl/lib/esl/Parser.js";
import { childLog } from "../log.ts";
import type { SkipReason } from "./frame-grammar.ts";

const log = childLog({ mod: "esl.parser" });

/** Emitted as `parser.emit("skipped", notice)`; the ESL wrappers forward it. */
export interface SkipNotice {
  reason: SkipReason;
  /** How many bytes of the stream were discarded. */
  bytes: number;
  /** The first bytes discarded, JSON-escaped, for the log. */
  excerpt: string;
}

/** Process-wide counters (exported for metrics). */
export const parserCounters = {
  framesParsed: 0,
  framesSkipped: 0,
  bytesSkipped: 0,
  listenerErrors: 0,
};

export interface FrameInfo {
  /** performance.now() when the socket chunk that completed this frame arrived (taken once per chunk, before framing). */
  receivedAt: number;
  /** The event's fields (headers, and `_body` for events with a body) as one map; decode.ts reads this. */
  fields: Record<string, unknown>;
}

const frameInfos = new WeakMap<object, FrameInfo>();

/** Arrival time and field map of an Event the guarded parser produced (undefined for others). */
export function frameInfo(event: object): FrameInfo | undefined {
  return frameInfos.get(event);
}

/** An Event exactly as `new Event(fields[, body])` builds it, without its O(n²) addHeader loop (keys are unique already). */
function makeEvent(fields: Record<string, unknown>, body: string | undefined): InstanceType<typeof Event> {
  const event = Object.create(Event.prototype) as InstanceType<typeof Event>;
  event.hPtr = null;
  event.type = fields["Event-Name"] as string | undefined;
  event.subclass = fields["Event-Subclass"] as string | undefined;
  event.body = body || (fields._body as string | undefined) || "";
  const list: Array<{ name: string; value: unknown }> = [];
  for (const key of Object.keys(fields)) {
    if (key !== "_body") list.push({ name: key, value: fields[key] });
  }
  event.headers = list;
  return event;
}

export function emitFrame(
  parser: InstanceType<typeof Parser>,
  headers: Record<string, unknown>,
  body: string | undefined,
  fields: Record<string, unknown> | null,
  receivedAt: number,
): void {
  const event = fields ? makeEvent(fields, undefined) : makeEvent(headers, body);
  const map = fields ?? headers;
  // Same massaging as modesl's _parseEvent, so Connection's auth / reply handling works unchanged.
  const reply = event.getHeader("Reply-Text");
  if (typeof reply === "string") {
    if (reply.indexOf("-ERR") === 0) {
      event.addHeader("Modesl-Reply-ERR", reply.substring(5));
      map["Modesl-Reply-ERR"] = reply.substring(5);
    } else if (reply.indexOf("+OK") === 0) {
      event.addHeader("Modesl-Reply-OK", reply.substring(4));
      map["Modesl-Reply-OK"] = reply.substring(4);
    }
  }
  frameInfos.set(event, { receivedAt, fields: map });
  parserCounters.framesParsed++;
  try {
    parser.emit("esl::event", event, headers, body);
  } catch (err) {
    // A throwing listener must not leave the stream half-parsed or reach the socket handler.
    parserCounters.listenerErrors++;
    log.error({ err, contentType: headers["Content-Type"] }, "ESL event listener threw; frame dropped for it");
  }
}
