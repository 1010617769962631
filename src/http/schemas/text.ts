/**
 * Strings the edge lets in. Every string of a request reaches the journal
 * (PostgreSQL jsonb) and often the switch, so each must be one PostgreSQL
 * stores: well-formed Unicode (jsonb refuses a lone UTF-16 surrogate) and no
 * NUL (text and jsonb both refuse U+0000). Schemas build their strings from
 * `text()` so no field can forget the rule.
 */
import { z } from "zod";

export const STORABLE_TEXT_MESSAGE = "must be well-formed Unicode text without NUL characters";

/** A UTF-16 surrogate without its pair (matched per code unit: no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when PostgreSQL can store the string as text and inside jsonb. */
export function isStorableText(s: string): boolean {
  return !s.includes("\u0000") && !LONE_SURROGATE.test(s);
}

/** A string PostgreSQL can store: the base of every string field in a request schema. */
export const text = () => z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);

/**
 * An id in a path (a call's channel UUID, an actor id): printable ASCII, no
 * spaces. Ids are UUIDs in practice; anything else cannot name a stored row,
 * and refusing it here keeps NUL and odd bytes away from the database.
 */
export const resourceId = z.string().regex(/^[\x21-\x7e]{1,64}$/, "must be an id: 1-64 printable ASCII characters");
