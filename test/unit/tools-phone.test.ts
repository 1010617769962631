/** Callback and booking numbers as callers say them, normalised to E.164 — or refused with a reason the model can ask about. */
import { describe, expect, test } from "bun:test";
import { normalisePhone, spokenPhone } from "../../src/ai/tools/phone.ts";

const e164 = (said: string) => {
  const r = normalisePhone(said);
  return r.ok ? r.e164 : `refused: ${r.problem}`;
};

describe("NANP numbers", () => {
  test("ten digits in any punctuation, with or without the 1 or +1", () => {
    for (const said of ["555-234-7788", "(555) 234-7788", "555.234.7788", "5552347788", "1 555 234 7788", "+1 (555) 234-7788", "+15552347788", "1-555-234-7788"]) {
      expect(e164(said)).toBe("+15552347788");
    }
  });

  test("digits said as words, 'oh' for zero, 'double'", () => {
    expect(e164("six one seven, five five five, oh one nine two")).toBe("+16175550192");
    expect(e164("two oh two five five five zero one four three")).toBe("+12025550143");
    expect(e164("six one seven double five five oh one nine two")).toBe("+16175550192");
    expect(e164("my number is 415 555 0123")).toBe("+14155550123");
  });

  test("no area code, too short, too long or an impossible area code or exchange are refused", () => {
    expect(e164("867-5309")).toMatch(/refused: it has no area code/);
    expect(e164("555 234 778")).toMatch(/refused: it has only 9 digits/);
    expect(e164("555 234 77889")).toMatch(/refused: .*too long/);
    expect(e164("055 234 7788")).toMatch(/refused: it is not a valid US or Canadian number/);
    expect(e164("555 134 7788")).toMatch(/refused: it is not a valid US or Canadian number/);
    expect(e164("911 234 7788")).toMatch(/refused: it is not a valid US or Canadian number/);
    expect(e164("+1 555 234 778")).toMatch(/refused: a \+1 number has 10 digits/);
  });
});

describe("other countries", () => {
  test("+CC numbers, and the 00 / 011 international prefixes", () => {
    expect(e164("+44 20 7946 0958")).toBe("+442079460958");
    expect(e164("0044 20 7946 0958")).toBe("+442079460958");
    expect(e164("011 44 20 7946 0958")).toBe("+442079460958");
    expect(e164("plus four nine three zero one two three four five six seven")).toBe("+49301234567");
    expect(e164("+49 (0)30 1234567")).toBe("+49301234567"); // the bracketed trunk 0 is not dialled from abroad
  });

  test("a country code starting with 0, or more than 15 digits, is refused", () => {
    expect(e164("+0 123 456 789")).toMatch(/refused: a country code never starts with 0/);
    expect(e164("+44 1234 5678 9012 345")).toMatch(/refused: .*too many digits/);
    expect(e164("+44 12")).toMatch(/refused: .*too few digits/);
  });
});

describe("what is not a phone number", () => {
  test("an extension, letters, or nothing at all", () => {
    expect(e164("555 234 7788 ext 12")).toMatch(/refused: it has an extension/);
    expect(e164("555 234 7788 x12")).toMatch(/refused: it has an extension/);
    expect(e164("1-800-FLOWERS")).toMatch(/refused: "flowers" is not part of a phone number/);
    expect(e164("")).toMatch(/refused: there are no digits/);
    expect(e164("call me")).toMatch(/refused: there are no digits/);
  });
});

test("numbers are read back in their local form", () => {
  expect(spokenPhone("+16175550192")).toBe("(617) 555-0192");
  expect(spokenPhone("+442079460958")).toBe("+442079460958");
});
