/**
 * Fields shared by the receptionist resources' requests: row ids (UUIDs —
 * anything else cannot name a row, and PostgreSQL would answer a malformed
 * uuid with an error rather than "not found"), page size and cursor, a
 * boolean query flag, and an instant.
 */
import { z } from "zod";

/** A row id: a UUID in its 8-4-4-4-12 hex form (any version; PostgreSQL's uuid type takes them all). */
export const rowId = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be an id: a UUID such as 3f2b…-…")
  .transform((s) => s.toLowerCase());

export const pageLimit = (max = 500) => z.coerce.number().int().min(1).max(max).default(50);

export const pageCursor = z
  .string()
  .regex(/^[A-Za-z0-9_=-]{1,512}$/, "must be the next_cursor of a previous page");

/** A query flag: true/false (also 1/0, yes/no, on/off); `?sandbox=false` is false, unlike a coerced boolean. */
export const queryFlag = z.stringbool({ error: "must be true or false" });

/**
 * An instant with its offset, ISO 8601 ("2026-03-02T09:00:00-05:00",
 * "2026-03-02T14:00:00Z"), as a Date. zod's pattern refuses dates the
 * calendar lacks (February 30th); the instant must fall in the years
 * 1..9999 in UTC, which PostgreSQL's timestamptz and JSON both write plainly.
 */
export const instant = z.iso
  .datetime({ offset: true, error: "must be an ISO 8601 date and time with an offset, e.g. 2026-03-02T09:00:00-05:00" })
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, "must fall in the years 0001 to 9999 (UTC)");
