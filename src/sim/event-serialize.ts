/**
 * One switch event (switch_event_t) and its three wire serializations, as
 * src/switch_event.c writes them: plain (switch_event_serialize), json
 * (switch_event_serialize_json, cJSON unformatted) and xml
 * (switch_event_xmlize + switch_xml_toxml).
 *
 * Headers are a flat [name, value, name, value, …] array: insertion order is
 * the wire order, duplicates are allowed (FreeSWITCH allows them too), and a
 * flat array is the cheapest thing to build per event under load.
 */

import { eventFrame } from "./frames.ts";
import { urlEncode } from "./url-encode.ts";

export type EventFormat = "plain" | "json" | "xml";

export class SimEvent {
  /** Flat [name, value, …] in wire order. */
  readonly headers: string[] = [];
  /** Event body (switch_event_add_body); undefined = none. */
  body: string | undefined;
  /** Unique-ID / Job-Owner-UUID, kept aside so fan-out to session-bound listeners needs no header scan. */
  uniqueId: string | undefined;
  ownerUuid: string | undefined;
  private plainCache: string | undefined;
  private jsonCache: string | undefined;
  private xmlCache: string | undefined;
  private readonly frames: Partial<Record<EventFormat, string>> = {};

  constructor(
    readonly name: string,
    readonly subclass?: string,
  ) {}

  add(name: string, value: string | number | boolean): this {
    this.headers.push(name, String(value));
    return this;
  }

  /** Case-insensitive lookup of the first header with this name (switch_event_get_header). */
  get(name: string): string | undefined {
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === name) return h[i + 1];
    }
    const lower = name.toLowerCase();
    for (let i = 0; i < h.length; i += 2) {
      const n = h[i]!;
      if (n.length === lower.length && n.toLowerCase() === lower) return h[i + 1];
    }
    return undefined;
  }

  /** The whole text/event-<format> frame, built once per format however many listeners get it. */
  frame(format: EventFormat): string {
    return (this.frames[format] ??= eventFrame(format, this.serialize(format)));
  }

  serialize(format: EventFormat): string {
    if (format === "plain") return (this.plainCache ??= serializePlain(this));
    if (format === "json") return (this.jsonCache ??= serializeJson(this));
    return (this.xmlCache ??= serializeXml(this));
  }
}

/**
 * `Name: urlenc(value)\n` per header, an empty value written as `_undef_`;
 * then either `\n`, or `Content-Length: N\n\n<body>` with no trailing newline.
 */
export function serializePlain(ev: SimEvent): string {
  const h = ev.headers;
  let out = "";
  for (let i = 0; i < h.length; i += 2) {
    const v = h[i + 1]!;
    out += h[i] + ": " + (v === "" ? "_undef_" : urlEncode(v)) + "\n";
  }
  if (ev.body !== undefined && ev.body.length > 0) {
    out += "Content-Length: " + Buffer.byteLength(ev.body, "utf8") + "\n\n" + ev.body;
  } else {
    out += "\n";
  }
  return out;
}

/**
 * cJSON_PrintUnformatted of an object whose members are all strings; a body
 * adds `"Content-Length":"<bytes>","_body":"…"` last. cJSON escapes exactly
 * what JSON.stringify escapes for strings (quote, backslash, control chars),
 * writes UTF-8 raw and leaves `/` alone.
 */
export function serializeJson(ev: SimEvent): string {
  const h = ev.headers;
  let out = "{";
  for (let i = 0; i < h.length; i += 2) {
    if (i > 0) out += ",";
    out += JSON.stringify(h[i]) + ":" + JSON.stringify(h[i + 1]);
  }
  if (ev.body !== undefined && ev.body.length > 0) {
    if (h.length > 0) out += ",";
    out +=
      '"Content-Length":"' + Buffer.byteLength(ev.body, "utf8") + '","_body":' + JSON.stringify(ev.body);
  }
  return out + "}";
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;",
  );
}

/**
 * `<event>\n  <headers>\n    <Name>urlenc(value)</Name>\n…  </headers>\n` then,
 * with a body, `  <Content-Length>N</Content-Length>\n  <body>…</body>\n`
 * (Content-Length is a sibling of <headers>), then `</event>\n`.
 */
export function serializeXml(ev: SimEvent): string {
  const h = ev.headers;
  let out = "<event>\n  <headers>\n";
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    out += "    <" + name + ">" + xmlEscape(urlEncode(h[i + 1]!)) + "</" + name + ">\n";
  }
  out += "  </headers>\n";
  if (ev.body !== undefined && ev.body.length > 0) {
    out += "  <Content-Length>" + Buffer.byteLength(ev.body, "utf8") + "</Content-Length>\n";
    out += "  <body>" + xmlEscape(ev.body) + "</body>\n";
  }
  return out + "</event>\n";
}
