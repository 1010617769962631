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
 *
 * This module owns the stream: buffering, the framing loop, resynchronisation
 * and the install onto modesl. Reading a header block or body is frame-grammar.ts;
 * handing a framed event to modesl's listeners is frame-emitter.ts.
 */
import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";
import Parser from "modesl/lib/esl/Parser.js";
import { childLog } from "../log.ts";
import {
  MAX_HEADER_BYTES,
  headerBlockProblem,
  isEventType,
  parseBody,
  parseContentLength,
  parseHeaderLines,
  parsePlainBody,
  parseXmlBody,
  type FrameResult,
  type SkipReason,
} from "./frame-grammar.ts";
import { emitFrame, parserCounters, type SkipNotice } from "./frame-emitter.ts";

// The wire grammar and the event hand-off live in their own modules; their public names stay importable from here.
export { MAX_CONTENT_LENGTH, MAX_HEADER_BYTES, type SkipReason } from "./frame-grammar.ts";
export { frameInfo, parserCounters, type FrameInfo, type SkipNotice } from "./frame-emitter.ts";

const log = childLog({ mod: "esl.parser" });

/** Prefixes a frame can start with: Content-Type / Content-Length, or Event-Name for the outbound `connect` reply. */
const FRAME_START_PATTERNS = [Buffer.from("Content-Type: "), Buffer.from("Content-Length: "), Buffer.from("Event-Name: ")];
/** Bytes kept when discarding unframeable data, so a frame start split across chunks is still found. */
const KEEP_TAIL = 16;
const LF = 0x0a;
const EXCERPT_BYTES = 80;

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
