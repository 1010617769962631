/**
 * Tool arguments checked with zod built from each tool's JSON-schema
 * parameters: what passes, what is refused, and the sentence the model gets
 * naming each bad argument.
 */
import { describe, expect, test } from "bun:test";
import { RECEPTIONIST_TOOLS } from "../../machines/receptionist/tools.ts";
import { parseWith, zodFromParameters } from "../../src/ai/tools/arguments.ts";

const book = zodFromParameters(RECEPTIONIST_TOOLS.book_appointment.parameters);
const message = zodFromParameters(RECEPTIONIST_TOOLS.take_message.parameters);

describe("arguments from the tools' JSON schemas", () => {
  test("valid arguments pass as they are; names the schema does not know are dropped", () => {
    const parsed = parseWith(book, { date: "2026-03-10", time: "09:30", name: "Ana Ruiz", phone: "202 555 0143", insurance: "Delta" });
    expect(parsed).toEqual({ ok: true, value: { date: "2026-03-10", time: "09:30", name: "Ana Ruiz", phone: "202 555 0143" } });
  });

  test("an optional argument sent as null or empty counts as absent", () => {
    const parsed = parseWith(message, { name: "Tom", callback_number: "415 555 0123", reason: "quote", urgency: null });
    expect(parsed).toEqual({ ok: true, value: { name: "Tom", callback_number: "415 555 0123", reason: "quote" } });
    expect(parseWith(book, { date: "2026-03-10", time: "09:30", name: "A", phone: "1", notes: "" })).toMatchObject({ ok: true });
  });

  test("each bad argument is named, with the schema's description for a wrong form", () => {
    const parsed = parseWith(book, { date: "10 March", time: "9.30am", name: 42 });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toContain('"date" is not in the right form (The day, YYYY-MM-DD');
    expect(parsed.problem).toContain('"time" is not in the right form (The start time, HH:MM 24-hour');
    expect(parsed.problem).toContain('"name" must be a string');
    expect(parsed.problem).toContain('"phone" is missing');
  });

  test("enums list their values; a non-object is refused whole", () => {
    const parsed = parseWith(message, { name: "Tom", callback_number: "415 555 0123", reason: "quote", urgency: "asap" });
    expect(parsed).toEqual({ ok: false, problem: '"urgency" must be one of "low", "normal", "high", "urgent"' });
    expect(parseWith(book, "book me in")).toEqual({ ok: false, problem: "the arguments must be a JSON object" });
    expect(parseWith(book, [1])).toEqual({ ok: false, problem: "the arguments must be a JSON object" });
  });

  test("numbers, integers, arrays and nested objects of the subset", () => {
    const schema = zodFromParameters({
      type: "object",
      properties: {
        party: { type: "integer", minimum: 1, maximum: 8 },
        ratio: { type: "number" },
        tags: { type: "array", items: { type: "string" }, maxItems: 2 },
        who: { type: "object", properties: { first: { type: "string" } }, required: ["first"] },
        maybe: { type: ["string", "null"] },
      },
      required: ["party"],
    });
    expect(parseWith(schema, { party: 2, ratio: 0.5, tags: ["a"], who: { first: "x" }, maybe: null })).toEqual({
      ok: true,
      value: { party: 2, ratio: 0.5, tags: ["a"], who: { first: "x" }, maybe: null },
    });
    const bad = parseWith(schema, { party: 2.5, tags: ["a", "b", "c"], who: {} });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problem).toContain('"party" must be a whole number');
    expect(bad.problem).toContain('"tags" must have at most 2 entries');
    expect(bad.problem).toContain('"who.first" is missing');
  });
});
