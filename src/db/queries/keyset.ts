/**
 * One keyset-paginated listing, for every list query (calls, conversations,
 * receptionists, numbers, appointments, messages): rows ordered on a (time,
 * id) key, the filters and the cursor's "strictly after this row" as one
 * WHERE, limit + 1 rows fetched so the extra says whether a next page exists,
 * and the next cursor made from the page's last row. A page stays stable while
 * new rows arrive, and deep pages cost the same as the first.
 */
import { and, asc, desc, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { decodeCursor, encodeCursor, pageSize } from "./cursor.ts";

export interface KeysetKey {
  /** The time column pages are cut on (created_at, started_at, starts_at). */
  at: AnyPgColumn;
  /** The unique tie-breaker for rows of the same time (the id, or a number's DID). */
  id: AnyPgColumn;
  /** Newest first (the default) or oldest first. */
  order?: "asc" | "desc";
}

export interface KeysetRequest {
  /** Page size, 1..500 (default 50). */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page (same order); an odd one throws InvalidCursorError. */
  cursor?: string | null | undefined;
}

/**
 * Runs `fetch` with the WHERE (filters and cursor), the ORDER BY and the row
 * count to take; gives the page and its next cursor (null on the last page).
 * `keyOf` reads the key back from a row.
 */
export async function keysetPage<R>(
  key: KeysetKey,
  request: KeysetRequest,
  filters: readonly SQL[],
  fetch: (where: SQL | undefined, orderBy: [SQL, SQL], take: number) => PromiseLike<R[]>,
  keyOf: (row: R) => { at: Date; id: string },
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const limit = pageSize(request.limit);
  const descending = (key.order ?? "desc") === "desc";
  const conditions = [...filters];
  if (request.cursor) {
    const { at, id } = decodeCursor(request.cursor);
    const beyond = descending ? lt : gt;
    conditions.push(or(beyond(key.at, at), and(eq(key.at, at), beyond(key.id, id)))!);
  }
  const by = descending ? desc : asc;
  const rows = await fetch(and(...conditions), [by(key.at), by(key.id)], limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  if (rows.length <= limit || !last) return { rows: page, nextCursor: null };
  const k = keyOf(last);
  return { rows: page, nextCursor: encodeCursor(k.at, k.id) };
}
