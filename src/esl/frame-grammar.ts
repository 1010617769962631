/**
 * The ESL wire grammar, stateless: what mod_event_socket's header blocks and
 * event bodies (text/event-plain, -json, -xml) look like, and how each is read
 * into a field map with percent-decoding that never throws. Split from
 * guarded-parser.ts, which owns the stream (buffering, resync, modesl install)
 * and calls these on complete header blocks and bodies.
 */
import { createRequire } from "node:module";
import { safeDecodeURIComponent } from "./percent-decode.ts";

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

/** A header name: printable ASCII, no space or colon. */
const HEADER_KEY = /^[!-9;-~]+$/;
const DIGITS = /^\d+$/;

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

export type FrameResult = { ok: true; fields: Record<string, unknown> | null } | { ok: false; reason: SkipReason };

/**
 * "Name: value" lines → map. Same rules as modesl (split at the first ": ",
 * Content-Length parsed as an integer) but values are decoded safely.
 * Returns null when a line's name is not a header name.
 */
export function parseHeaderLines(text: string, strictKeys: boolean): Record<string, unknown> | null {
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
export function parseContentLength(value: string): number {
  return DIGITS.test(value) ? parseInt(value, 10) : Number.NaN;
}

/** Why a top-level header block is not a frame, or null when it is one. */
export function headerBlockProblem(headers: Record<string, unknown> | null, knownTypesOnly: boolean): SkipReason | null {
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

/** text/event-plain body: inner headers, a blank line, then exactly the inner Content-Length bytes. */
export function parsePlainBody(body: Buffer): Record<string, unknown> | null {
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

export function parseXmlBody(body: Buffer): Record<string, unknown> | null {
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

export function isEventType(contentType: string): boolean {
  return contentType === "text/event-plain" || contentType === "text/event-json" || contentType === "text/event-xml";
}

export function parseBody(contentType: string, body: Buffer): FrameResult {
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
