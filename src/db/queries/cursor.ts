/**
 * Keyset cursors for newest-first listings: a row's (time, id) as opaque
 * base64url. Calls page on (created_at, id), conversations on (started_at, id),
 * and so on (keyset.ts runs the page); all decode with the same range checks,
 * because a cursor is untrusted input that reaches SQL.
 */

export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor: ${JSON.stringify(cursor.length > 64 ? `${cursor.slice(0, 64)}…` : cursor)}; use the next_cursor of a previous page`);
    this.name = "InvalidCursorError";
  }
}

export const MAX_PAGE_SIZE = 500;

/** A page size the query may use: 1..MAX_PAGE_SIZE (default 50). */
export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 50), 1), MAX_PAGE_SIZE);
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.getTime(), id])).toString("base64url");
}

/**
 * Latest time a cursor may name: the year 9999. JavaScript dates reach
 * year 275760 and PostgreSQL's timestamptz 294276, but a cursor beyond any
 * real row is not one we made; the earliest is the Unix epoch.
 */
const MAX_CURSOR_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Its time must be a whole millisecond count in range (PostgreSQL refuses
 * out-of-range timestamps with an error, not an empty page) and its id
 * printable ASCII (text refuses NUL).
 */
export function decodeCursor(cursor: string): { at: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError(cursor); // not ours
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [ms, id] = parsed as [unknown, unknown];
    const timeOk = typeof ms === "number" && Number.isInteger(ms) && ms >= 0 && ms <= MAX_CURSOR_TIME_MS;
    const idOk = typeof id === "string" && /^[\x21-\x7e]{1,128}$/.test(id);
    if (timeOk && idOk) return { at: new Date(ms), id };
  }
  throw new InvalidCursorError(cursor);
}
