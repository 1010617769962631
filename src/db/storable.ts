/**
 * Making a row PostgreSQL refused for its strings storable. PostgreSQL refuses
 * U+0000 in text and jsonb, and a lone UTF-16 surrogate in jsonb (JSON.stringify
 * writes it as a "\udXXX" escape that jsonb rejects). The HTTP edge refuses
 * such strings, but text also arrives from the switch (caller names, SIP
 * headers) and from a language model; when a journal or CDR row carries one,
 * the journal stores the row with each such character replaced by U+FFFD
 * rather than lose the call.
 */

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The string with NUL and lone surrogates replaced by U+FFFD (the replacement character). */
export function storableString(s: string): string {
  return s.replace(/\u0000/g, "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");
}

/**
 * A copy of a row (or any JSON-like value) with every string — object keys
 * included — made storable; `changed` says whether anything was replaced.
 * Values that are not strings, arrays or plain objects (dates, numbers) are kept.
 */
export function storableRow<T>(row: T): { value: T; changed: boolean } {
  let changed = false;
  const visit = (v: unknown): unknown => {
    if (typeof v === "string") {
      const s = storableString(v);
      if (s !== v) changed = true;
      return s;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === "object" && isPlainObject(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [visit(k) as string, visit(x)]));
    }
    return v;
  };
  const value = visit(row) as T;
  return { value, changed };
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
