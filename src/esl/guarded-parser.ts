/**
 * A guarded replacement for modesl 1.2.1's stream parser, installed once onto
 * `Parser.prototype` so that every modesl Connection (inbound and outbound)
 * frames the wire with it. Importing src/esl/index.ts installs it.
 *
 * What it fixes, keeping modesl's emitted contract exactly
 * (`emit("esl::event", event, headers, body)`, modesl's Event class,
 * Content-Length as a number, Modesl-Reply-OK / Modesl-Reply-ERR added the same way):
 *
 *  - Header values are percent-decoded with safeDecodeURIComponent, which never
 *    throws (modesl's decodeURIComponent threw URIError on `Jos%E9` inside the
 *    socket "data" handler and crashed the process).
 *  - Chunks are appended to one growable buffer with a read offset, and the
 *    header-end search resumes where it stopped: linear, not quadratic.
 *  - A frame that cannot be made sense of (no Content-Type, a Content-Length
 *    that is not a number or is > 16 MiB, a JSON body that does not parse, a
 *    plain body whose structure disagrees with its Content-Length, garbage
 *    between frames) is logged with a short excerpt, counted, announced as a
 *    `skipped` notice on the parser, and the parser resynchronises on the next
 *    plausible frame start. It never emits "error" (which throws when nobody
 *    listens) and never throws out of the socket handler.
 *  - Every framed event is stamped with performance.now() taken when its last
 *    byte was framed (see frameInfo()).
 *  - The event-xml Content-Length / body (a sibling of <headers>, which modesl
 *    looked for inside <headers>) are read where FreeSWITCH puts them, and xml
 *    header values are percent-decoded like plain ones (FreeSWITCH url-encodes them).
 */
import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";
import { createRequire } from "node:module";
import Event from "modesl/lib/esl/Event.js";
import Parser from "modesl/lib/esl/Parser.js";
import { childLog } from "../log.ts";
import { safeDecodeURIComponent } from "./percent-decode.ts";

const log = childLog({ mod: "esl.parser" });

interface XmlParser {
  parseString(text: string, cb: (err: unknown, data: unknown) => void): void;
}
/** xml2js is modesl's own dependency (not ours): load the copy modesl resolves, as modesl does. */
const requireFromHere = createRequire(import.meta.url);
const xml2js = createRequire(requireFromHere.resolve("modesl"))("xml2js") as {
  Parser: new (opts: Record<string, unknown>) => XmlParser;
};

/** mod_event_socket refuses a Content-Length below 0 or above 16 MiB (read_packet); so do we. */
export const MAX_CONTENT_LENGTH = 16 * 1024 * 1024;
/** A header block longer than this without its blank line is not a header block. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** The Content-Types mod_event_socket writes; used to recognise a frame start when resynchronising. */
const ESL_CONTENT_TYPES = new Set([
  "auth/request",
  "command/reply",
  "api/response",
  "text/event-plain",
  "text/event-json",
  "text/event-xml",
  "text/disconnect-notice",
  "text/rude-rejection",
  "log/data",
]);

/** Prefixes a frame can start with: Content-Type / Content-Length, or Event-Name for the outbound `connect` reply. */
const FRAME_START_PATTERNS = [Buffer.from("Content-Type: "), Buffer.from("Content-Length: "), Buffer.from("Event-Name: ")];
/** Bytes kept when discarding unframeable data, so a frame start split across chunks is still found. */
const KEEP_TAIL = 16;
const LF = 0x0a;
/** A header name: printable ASCII, no space or colon. */
const HEADER_KEY = /^[!-9;-~]+$/;
const DIGITS = /^\d+$/;
const EXCERPT_BYTES = 80;

export type SkipReason =
  | "garbage" // bytes between frames that do not form a frame
  | "no-content-type" // a header block without Content-Type
  | "bad-content-length" // Content-Length not a number, negative or > 16 MiB
  | "oversized-header" // no blank line within MAX_HEADER_BYTES
  | "bad-json" // text/event-json body that does not parse (or Content-Length too long)
  | "bad-plain" // text/event-plain body whose structure disagrees with Content-Length
  | "bad-xml" // text/event-xml body that does not parse
  | "embedded-frame" // an opaque body that contains the start of the next frame (Content-Length too long)
  | "internal"; // our own bug: the buffer was dropped rather than crash the process

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

interface PendingBody {
  frameStart: number;
  headers: Record<string, unknown>;
  contentType: string;
  bodyLen: number;
  /** How far the early "this body cannot be right" check has looked. */
  checkedTo: number;
  /** text/event-plain: where the inner header block showed the body really ends (body-relative), once known. */
  plainEnd: number;
}

interface GuardState {
  buf: Buffer;
  start: number;
  end: number;
  /** Where the search for the current header block's blank line resumes. */
  scanFrom: number;
  pending: PendingBody | null;
}

type GuardedParser = InstanceType<typeof Parser> & { _guard?: GuardState };

type FrameResult = { ok: true; fields: Record<string, unknown> | null } | { ok: false; reason: SkipReason };

// ---------------------------------------------------------------- buffering

function stateOf(parser: GuardedParser): GuardState {
  let st = parser._guard;
  if (!st) {
    st = { buf: Buffer.allocUnsafe(64 * 1024), start: 0, end: 0, scanFrom: 0, pending: null };
    parser._guard = st;
  }
  return st;
}

/** Append a chunk: compact or grow (doubling) only when needed, so total copying stays linear. */
function append(st: GuardState, chunk: Buffer): void {
  if (st.start === st.end) {
    st.start = st.end = st.scanFrom = 0;
    if (st.buf.length > 4 * 1024 * 1024 && chunk.length < 64 * 1024) st.buf = Buffer.allocUnsafe(64 * 1024);
  }
  if (st.end + chunk.length > st.buf.length) {
    const live = st.end - st.start;
    const needed = live + chunk.length;
    // Compact only when it frees at least half the buffer: each byte is then moved O(1) times on average.
    if (needed <= st.buf.length / 2) {
      st.buf.copy(st.buf, 0, st.start, st.end);
    } else {
      const next = Buffer.allocUnsafe(Math.max(st.buf.length * 2, needed));
      st.buf.copy(next, 0, st.start, st.end);
      st.buf = next;
    }
    shift(st, st.start);
  }
  chunk.copy(st.buf, st.end);
  st.end += chunk.length;
}

function shift(st: GuardState, by: number): void {
  st.start -= by;
  st.end -= by;
  st.scanFrom = Math.max(0, st.scanFrom - by);
  if (st.pending) {
    st.pending.frameStart -= by;
    st.pending.checkedTo = Math.max(0, st.pending.checkedTo - by);
  }
}

function excerptOf(buf: Buffer, from: number, to: number): string {
  const text = buf.toString("latin1", from, Math.min(to, from + EXCERPT_BYTES));
  return JSON.stringify(text);
}

// ---------------------------------------------------------------- header parsing

/**
 * "Name: value" lines → map. Same rules as modesl (split at the first ": ",
 * Content-Length parsed as an integer) but values are decoded safely.
 * Returns null when a line's name is not a header name.
 */
function parseHeaderLines(text: string, strictKeys: boolean): Record<string, unknown> | null {
  const headers: Record<string, unknown> = Object.create(null);
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const sep = text.indexOf(": ", lineStart);
    let key: string;
    let value: string;
    if (sep === -1 || sep > lineEnd) {
      // Every line mod_event_socket writes is "Name: value"; a line without ": " is not a header.
      if (strictKeys) return null;
      key = text.slice(lineStart, lineEnd);
      value = "";
    } else {
      key = text.slice(lineStart, sep);
      value = safeDecodeURIComponent(text.slice(sep + 2, lineEnd));
    }
    if (strictKeys && !HEADER_KEY.test(key)) return null;
    headers[key] = key === "Content-Length" ? parseContentLength(value) : value;
    lineStart = lineEnd + 1;
  }
  return headers;
}

/** A Content-Length as FreeSWITCH writes it (decimal digits), else NaN. */
function parseContentLength(value: string): number {
  return DIGITS.test(value) ? parseInt(value, 10) : Number.NaN;
}

/** Why a top-level header block is not a frame, or null when it is one. */
function headerBlockProblem(headers: Record<string, unknown> | null, knownTypesOnly: boolean): SkipReason | null {
  if (!headers) return "garbage";
  const ct = headers["Content-Type"];
  if (typeof ct !== "string" || ct === "") return "no-content-type";
  if (knownTypesOnly && !ESL_CONTENT_TYPES.has(ct)) return "garbage";
  if ("Content-Length" in headers) {
    const cl = headers["Content-Length"] as number;
    if (!Number.isInteger(cl) || cl < 0 || cl > MAX_CONTENT_LENGTH) return "bad-content-length";
  }
  // An event frame always has its serialized event as body.
  if (isEventType(ct) && !((headers["Content-Length"] as number) > 0)) return "bad-content-length";
  return null;
}

/**
 * The earliest position in [from, to) where a plausible frame starts: a known
 * frame prefix whose header block parses, carries a known ESL Content-Type and a
 * sane Content-Length. A block whose blank line has not arrived yet is accepted
 * tentatively (the main loop validates it when it is complete).
 */
function findFrameStart(st: GuardState, from: number, to: number): number {
  const view = st.buf.subarray(0, st.end);
  let pos = from;
  while (pos < to) {
    let best = -1;
    for (const pattern of FRAME_START_PATTERNS) {
      const i = view.indexOf(pattern, pos);
      if (i !== -1 && i < to && (best === -1 || i < best)) best = i;
    }
    if (best === -1) return -1;
    const blockEnd = view.indexOf("\n\n", best);
    if (blockEnd === -1) {
      if (st.end - best <= MAX_HEADER_BYTES) return best;
    } else if (blockEnd - best <= MAX_HEADER_BYTES) {
      const headers = parseHeaderLines(view.toString("utf8", best, blockEnd), true);
      if (headerBlockProblem(headers, true) === null) return best;
    }
    pos = best + 1;
  }
  return -1;
}

// ---------------------------------------------------------------- bodies

/** text/event-plain body: inner headers, a blank line, then exactly the inner Content-Length bytes. */
function parsePlainBody(body: Buffer): Record<string, unknown> | null {
  const innerEnd = body.indexOf("\n\n");
  if (innerEnd === -1) return null;
  const fields = parseHeaderLines(body.toString("utf8", 0, innerEnd), false);
  if (!fields) return null;
  const innerLen = fields["Content-Length"];
  if (innerLen !== undefined) {
    if (typeof innerLen !== "number" || !Number.isInteger(innerLen)) return null;
    // Inner Content-Length counts bytes, so the body is sliced as bytes (modesl sliced characters).
    if (innerEnd + 2 + innerLen !== body.length) return null;
    fields._body = body.toString("utf8", innerEnd + 2);
  } else if (innerEnd + 2 !== body.length) {
    // switch_event_serialize ends a body-less event with exactly one extra "\n".
    return null;
  }
  return fields;
}

function parseJsonBody(body: Buffer): Record<string, unknown> | null {
  let data: unknown;
  try {
    data = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  const fields = data as Record<string, unknown>;
  // cJSON writes every value as a string; modesl hands Content-Length on as a number.
  if (fields["Content-Length"] !== undefined) fields["Content-Length"] = parseInt(String(fields["Content-Length"]), 10);
  return fields;
}

function parseXmlBody(body: Buffer): Record<string, unknown> | null {
  let result: Record<string, unknown> | null = null;
  const parser = new xml2js.Parser({ explicitArray: false, explicitRoot: false });
  try {
    // xml2js parses synchronously despite the callback.
    parser.parseString(body.toString("utf8"), (err: unknown, data: unknown) => {
      if (err || typeof data !== "object" || data === null) return;
      const doc = data as Record<string, unknown>;
      const headers = doc.headers;
      if (typeof headers !== "object" || headers === null) return;
      const fields: Record<string, unknown> = Object.create(null);
      for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
        fields[key] = typeof value === "string" ? safeDecodeURIComponent(value) : value;
      }
      // switch_event_xmlize puts Content-Length and body beside <headers>, not inside.
      const cl = doc["Content-Length"] ?? fields["Content-Length"];
      if (cl !== undefined) {
        fields["Content-Length"] = parseInt(String(cl), 10);
        const xmlBody = doc.body;
        fields._body = typeof xmlBody === "string" ? xmlBody : "";
      }
      result = fields;
    });
  } catch {
    return null;
  }
  return result;
}

function isEventType(contentType: string): boolean {
  return contentType === "text/event-plain" || contentType === "text/event-json" || contentType === "text/event-xml";
}

function parseBody(contentType: string, body: Buffer): FrameResult {
  switch (contentType) {
    case "text/event-json": {
      const fields = parseJsonBody(body);
      return fields ? { ok: true, fields } : { ok: false, reason: "bad-json" };
    }
    case "text/event-plain": {
      const fields = parsePlainBody(body);
      return fields ? { ok: true, fields } : { ok: false, reason: "bad-plain" };
    }
    case "text/event-xml": {
      const fields = parseXmlBody(body);
      return fields ? { ok: true, fields } : { ok: false, reason: "bad-xml" };
    }
    default:
      return { ok: true, fields: null };
  }
}

/**
 * Can the body being received still be right? Lets a Content-Length that is
 * too long be caught before the bytes it wrongly claims arrive (which may be
 * never). Structural for events; for opaque bodies (api/response, log/data,
 * notices) a complete ESL frame header inside the body gives it away.
 */
function bodyCannotBeRight(st: GuardState, p: PendingBody, bodyStart: number): SkipReason | null {
  const availEnd = Math.min(st.end, bodyStart + p.bodyLen);
  const from = Math.max(bodyStart, p.checkedTo);
  p.checkedTo = availEnd;
  if (from >= availEnd) return null;
  const view = st.buf.subarray(0, availEnd);
  switch (p.contentType) {
    case "text/event-json":
      // cJSON_PrintUnformatted never writes a raw newline.
      return view.indexOf(LF, from) !== -1 ? "bad-json" : null;
    case "text/event-plain": {
      if (p.plainEnd !== -1) return null;
      const innerEnd = view.indexOf("\n\n", Math.max(bodyStart, from - 1));
      if (innerEnd === -1) return null;
      p.plainEnd = plainBodyEnd(view, bodyStart, innerEnd);
      return p.plainEnd !== p.bodyLen ? "bad-plain" : null;
    }
    case "text/event-xml":
      return null;
    default:
      return embeddedFrame(st, Math.max(bodyStart, from - KEEP_TAIL), availEnd) ? "embedded-frame" : null;
  }
}

/** Is there a complete, valid ESL frame header inside [from, to)? Evidence that a Content-Length was too long. */
function embeddedFrame(st: GuardState, from: number, to: number): boolean {
  const inner = findFrameStart(st, from, to);
  if (inner === -1) return false;
  const blockEnd = st.buf.subarray(0, to).indexOf("\n\n", inner);
  return blockEnd !== -1;
}

/** Where a plain body ends (body-relative) according to its own inner header block; -1 when unreadable. */
function plainBodyEnd(view: Buffer, bodyStart: number, innerEnd: number): number {
  const inner = view.toString("utf8", bodyStart, innerEnd);
  const m = /(?:^|\n)Content-Length: ([^\n]*)/.exec(inner);
  const innerLen = m ? parseContentLength(m[1]!) : 0;
  if (Number.isNaN(innerLen)) return -1;
  return innerEnd - bodyStart + 2 + innerLen;
}

// ---------------------------------------------------------------- events

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

function emitFrame(
  parser: GuardedParser,
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

function reportSkip(parser: GuardedParser, st: GuardState, from: number, to: number, reason: SkipReason): void {
  const bytes = to - from;
  if (bytes <= 0) return;
  const notice: SkipNotice = { reason, bytes, excerpt: excerptOf(st.buf, from, to) };
  parserCounters.framesSkipped++;
  parserCounters.bytesSkipped += bytes;
  log.warn(notice, "ESL frame skipped; resynchronising");
  try {
    parser.emit("skipped", notice);
  } catch (err) {
    parserCounters.listenerErrors++;
    log.error({ err }, "ESL skipped-notice listener threw");
  }
}

// ---------------------------------------------------------------- the loop

function drain(parser: GuardedParser, st: GuardState, now: number): void {
  for (;;) {
    const p = st.pending;
    if (p) {
      const bodyStart = st.start;
      const complete = st.end - bodyStart >= p.bodyLen;
      if (!complete) {
        const problem = bodyCannotBeRight(st, p, bodyStart);
        if (problem === null) return;
        resyncAfterBadBody(parser, st, p, problem, false);
        continue;
      }
      const bodyBuf = st.buf.subarray(bodyStart, bodyStart + p.bodyLen);
      const parsed = isEventType(p.contentType)
        ? parseBody(p.contentType, bodyBuf)
        : embeddedFrame(st, Math.max(bodyStart, p.checkedTo - KEEP_TAIL), bodyStart + p.bodyLen)
          ? ({ ok: false, reason: "embedded-frame" } as const)
          : ({ ok: true, fields: null } as const);
      if (!parsed.ok) {
        resyncAfterBadBody(parser, st, p, parsed.reason, true);
        continue;
      }
      const body = bodyBuf.toString("utf8");
      st.start = bodyStart + p.bodyLen;
      st.scanFrom = st.start;
      st.pending = null;
      emitFrame(parser, p.headers, body, parsed.fields, now);
      continue;
    }

    // FreeSWITCH never sends blank lines between frames; a stray LF (e.g. after a
    // Content-Length one too short) carries nothing, so it is dropped quietly.
    while (st.start < st.end && st.buf[st.start] === LF) st.start++;
    if (st.start >= st.end) {
      st.start = st.end = st.scanFrom = 0;
      return;
    }

    const view = st.buf.subarray(0, st.end);
    const headEnd = view.indexOf("\n\n", Math.max(st.start, st.scanFrom - 1));
    if (headEnd === -1) {
      st.scanFrom = st.end;
      if (st.end - st.start > MAX_HEADER_BYTES) {
        const next = findFrameStart(st, st.start + 1, st.end);
        const to = next !== -1 ? next : st.end - KEEP_TAIL;
        reportSkip(parser, st, st.start, to, "oversized-header");
        st.start = to;
        st.scanFrom = to;
        continue;
      }
      return;
    }

    const headers = parseHeaderLines(view.toString("utf8", st.start, headEnd), true);
    const problem = headerBlockProblem(headers, false);
    if (problem !== null || !headers) {
      // A well-formed block is one bad frame: skip it whole. Otherwise look inside it for a frame start.
      const next = headers ? -1 : findFrameStart(st, st.start + 1, headEnd + 2);
      const to = next !== -1 ? next : headEnd + 2;
      reportSkip(parser, st, st.start, to, problem ?? "garbage");
      st.start = to;
      st.scanFrom = to;
      continue;
    }

    const frameStart = st.start;
    st.start = headEnd + 2;
    st.scanFrom = st.start;
    const cl = headers["Content-Length"];
    if (typeof cl === "number" && cl > 0) {
      st.pending = {
        frameStart,
        headers,
        contentType: headers["Content-Type"] as string,
        bodyLen: cl,
        checkedTo: st.start,
        plainEnd: -1,
      };
      continue;
    }
    emitFrame(parser, headers, undefined, null, now);
  }
}

/** Drop a frame whose body cannot be right, and resume at the next plausible frame start inside or after it. */
function resyncAfterBadBody(
  parser: GuardedParser,
  st: GuardState,
  p: PendingBody,
  reason: SkipReason,
  complete: boolean,
): void {
  const bodyStart = st.start;
  const claimedEnd = bodyStart + p.bodyLen;
  const searchEnd = Math.min(st.end, claimedEnd);
  const next = findFrameStart(st, bodyStart, searchEnd);
  let to: number;
  if (next !== -1) to = next;
  else if (complete) to = claimedEnd;
  else if (p.plainEnd > 0 && bodyStart + p.plainEnd <= st.end) to = bodyStart + p.plainEnd;
  else to = Math.max(bodyStart, st.end - KEEP_TAIL);
  reportSkip(parser, st, p.frameStart, to, reason);
  st.pending = null;
  st.start = to;
  st.scanFrom = to;
}

// ---------------------------------------------------------------- install

function guardedOnData(this: GuardedParser, data: Buffer): void {
  const now = performance.now();
  const st = stateOf(this);
  try {
    append(st, data);
    drain(this, st, now);
  } catch (err) {
    // Our own bug must not take the process down: drop what is buffered and carry on.
    const bytes = st.end - st.start;
    log.error({ err, bytes }, "ESL guarded parser failed; buffer dropped");
    reportSkip(this, st, st.start, st.end, "internal");
    st.start = st.end = st.scanFrom = 0;
    st.pending = null;
  }
}

/** Kept for callers of modesl's internal API: parse "Name: value" lines with safe decoding. */
function guardedParseHeaderText(this: GuardedParser, txt: string): Record<string, unknown> {
  return parseHeaderLines(txt, false) ?? Object.create(null);
}

function guardedParsePlainBody(this: GuardedParser, txt: string): Record<string, unknown> {
  return parsePlainBody(Buffer.from(txt, "utf8")) ?? Object.create(null);
}

function guardedParseXmlBody(this: GuardedParser, txt: string): Record<string, unknown> {
  return parseXmlBody(Buffer.from(txt, "utf8")) ?? Object.create(null);
}

/** modesl's entry point for a complete frame; re-implemented so no path reaches its throwing code. */
function guardedParseEvent(this: GuardedParser, headers: Record<string, unknown>, body?: string): void {
  const contentType = String(headers["Content-Type"] ?? "");
  const parsed = body === undefined ? ({ ok: true, fields: null } as FrameResult) : parseBody(contentType, Buffer.from(body, "utf8"));
  if (!parsed.ok) {
    const notice: SkipNotice = { reason: parsed.reason, bytes: Buffer.byteLength(body ?? ""), excerpt: JSON.stringify((body ?? "").slice(0, EXCERPT_BYTES)) };
    parserCounters.framesSkipped++;
    parserCounters.bytesSkipped += notice.bytes;
    log.warn(notice, "ESL frame skipped");
    try {
      this.emit("skipped", notice);
    } catch (err) {
      parserCounters.listenerErrors++;
      log.error({ err }, "ESL skipped-notice listener threw");
    }
    return;
  }
  emitFrame(this, headers, body, parsed.fields, performance.now());
}

function noLongerUsed(): void {
  // modesl's _parseHeaders / _parseBody operated on its copied buffer; the guarded loop replaces both.
}

let installed = false;

/** Install the guarded implementation onto modesl's Parser.prototype (idempotent). */
export function installGuardedParser(): void {
  if (installed) return;
  installed = true;
  const proto = Parser.prototype as Record<string, unknown>;
  proto._onData = guardedOnData;
  proto._parseHeaders = noLongerUsed;
  proto._parseBody = noLongerUsed;
  proto._parseHeaderText = guardedParseHeaderText;
  proto._parsePlainBody = guardedParsePlainBody;
  proto._parseXmlBody = guardedParseXmlBody;
  proto._parseEvent = guardedParseEvent;
  proto.__switchboardGuarded = true;
}

export function isGuardedParserInstalled(): boolean {
  return (Parser.prototype as Record<string, unknown>).__switchboardGuarded === true;
}

/** Bytes a parser holds toward frames not complete yet (the outbound server caps them per session and in total). */
export function parserHeldBytes(parser: object): number {
  const st = (parser as GuardedParser)._guard;
  return st ? st.end - st.start : 0;
}

/** A parser over any socket-like stream (tests and benchmarks feed it bytes directly). */
export function createGuardedParser(socket: Socket): InstanceType<typeof Parser> {
  installGuardedParser();
  return new Parser(socket);
}
