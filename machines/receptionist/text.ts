/**
 * The strings a receptionist definition lets in. A definition is an API body
 * that is stored (PostgreSQL jsonb), read to a language model and partly
 * spoken by the switch, so every string is one PostgreSQL stores (no NUL, no
 * lone UTF-16 surrogate — the rule src/http/schemas/text.ts applies at the
 * edge, restated here because machines/ does not import src/), and what the
 * switch speaks is a single line.
 */
import { z } from "zod";

/** A UTF-16 surrogate without its pair (matched per code unit: no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(s: string): boolean {
  return !s.includes("\u0000") && !LONE_SURROGATE.test(s);
}

/** Free text (instructions, answers): may span lines, must not be blank. */
export const prose = (max: number) =>
  z
    .string()
    .max(max)
    .refine(isStorableText, "must be well-formed Unicode text without NUL characters")
    .refine((s) => s.trim().length > 0, "must not be empty");

/** Text that reaches the switch (spoken by `speak`, sent inside an ESL command): one line. */
export const line = (max: number) => prose(max).refine((s) => !/[\r\n]/.test(s), "must be a single line (no CR or LF)");

/**
 * A name the model writes back to us (a transfer target, an urgency level) or
 * that names something in the flow: lower snake_case, so it reads the same in
 * a prompt, a JSON schema enum and a log line.
 */
export const SNAKE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const snakeName = z.string().regex(SNAKE_NAME, "must be lower snake_case: a letter, then letters, digits or _ (at most 64)");

/** A list whose entries must all differ (names, keywords). */
export function unique<T extends z.ZodType<string>>(item: T, max: number) {
  return z
    .array(item)
    .max(max)
    .refine((list) => new Set(list).size === list.length, "must not repeat an entry");
}
