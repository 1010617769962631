/** Argument extractors and the date/time reader of the offline model, pure. */
import { describe, expect, test } from "bun:test";
import { classifyParam, defaultExtractors, extractDate, extractTime } from "../../src/sim/openai/index.ts";

// Wednesday 2026-03-11 in New York (it is already Thursday in UTC at this instant).
const clock = { now: new Date("2026-03-12T02:30:00Z"), timeZone: "America/New_York" };

describe("dates", () => {
  test.each([
    ["today please", "2026-03-11"],
    ["tomorrow", "2026-03-12"],
    ["the day after tomorrow", "2026-03-13"],
    ["on Friday", "2026-03-13"],
    ["next wednesday", "2026-03-18"],
    ["Wednesday", "2026-03-18"],
    ["March 20th", "2026-03-20"],
    ["march the twenty-first", "2026-03-21"],
    ["the 3rd of April", "2026-04-03"],
    ["January 5", "2027-01-05"],
    ["on 4/2", "2026-04-02"],
    ["2026-12-24", "2026-12-24"],
    ["in two weeks", "2026-03-25"],
    ["the 15th", "2026-03-15"],
    ["the 2nd", "2026-04-02"],
  ])("%p → %p (the caller's zone decides today)", (text, want) => {
    expect(extractDate(text, clock)).toBe(want);
  });

  test("no date", () => {
    expect(extractDate("may I ask something", clock)).toBeNull();
    expect(extractDate("February 30th", clock)).toBeNull();
  });
});

describe("times", () => {
  test.each([
    ["at 3pm", "15:00"],
    ["3:30 p.m.", "15:30"],
    ["11 am", "11:00"],
    ["12pm", "12:00"],
    ["12 a.m.", "00:00"],
    ["15:45", "15:45"],
    ["at 4", "16:00"],
    ["at 10", "10:00"],
    ["noon", "12:00"],
    ["half past two", "14:30"],
    ["quarter to nine am", "08:45"],
    ["three thirty pm", "15:30"],
    ["around ten o'clock", "10:00"],
  ])("%p → %p", (text, want) => {
    expect(extractTime(text)).toBe(want);
  });

  test("no time", () => {
    expect(extractTime("in the morning")).toBeNull();
    expect(extractTime("my number is 5551234")).toBeNull();
  });
});

const ctx = (texts: string[], param: string, schema: Record<string, unknown> = { type: "string" }, asked = false) => ({ ...clock, texts, asked, param, schema });

describe("extractors", () => {
  test("parameters are classified by schema first, then by name", () => {
    expect(classifyParam("urgency", { type: "string", enum: ["low", "high"] })).toBe("enum");
    expect(classifyParam("party_size", { type: "integer" })).toBe("integer");
    expect(classifyParam("callback_number", { type: "string" })).toBe("phone");
    expect(classifyParam("caller_name", { type: "string" })).toBe("name");
    expect(classifyParam("when", { type: "string", format: "date-time" })).toBe("datetime");
    expect(classifyParam("preferred_date", { type: "string" })).toBe("date");
    expect(classifyParam("reason", { type: "string" })).toBe("text");
    expect(classifyParam("department", { type: "string" })).toBe("department");
    expect(classifyParam("target", { type: "string", enum: ["sales", "support"] })).toBe("enum");
    expect(classifyParam("new_date", { type: "string" })).toBe("new_date");
    expect(classifyParam("old_time", { type: "string" })).toBe("old_time");
    expect(classifyParam("colour", { type: "string" })).toBe("string");
  });

  test("names: introduced, or the answer to a name question — never 'calling'", () => {
    const name = defaultExtractors.name!;
    expect(name(ctx(["Hi, my name is Mary Jane Watson and I need help"], "name"))).toBe("Mary Jane Watson");
    expect(name(ctx(["I'm calling about my bill"], "name"))).toBeUndefined();
    expect(name(ctx(["sure, it's li wei"], "name", {}, true))).toBe("Li Wei");
    expect(name(ctx(["i'm tom"], "name", {}, false))).toBeUndefined();
  });

  test("phones: written, with a plus, or spoken digit by digit", () => {
    const phone = defaultExtractors.phone!;
    expect(phone(ctx(["call me at (555) 867-5309"], "phone"))).toBe("5558675309");
    expect(phone(ctx(["it's +44 20 7946 0958"], "phone"))).toBe("+442079460958");
    expect(phone(ctx(["eight oh one, five five five, double two three four"], "phone"))).toBe("8015552234");
    expect(phone(ctx(["tomorrow at 3"], "phone"))).toBeUndefined();
  });

  test("email, spoken", () => {
    expect(defaultExtractors.email!(ctx(["jane dot doe at example dot com"], "email", {}, true))).toBe("jane.doe@example.com");
    expect(defaultExtractors.email!(ctx(["write to Jane@Example.org please"], "email"))).toBe("jane@example.org");
  });

  test("date and time may come from different utterances (latest first)", () => {
    expect(defaultExtractors.datetime!(ctx(["at 2pm", "next Monday please"], "start"))).toBe("2026-03-16T14:00");
  });

  test("numbers only when asked; yes/no when asked; a flag named by the caller", () => {
    expect(defaultExtractors.integer!(ctx(["book me at 3"], "party_size", { type: "integer" }))).toBeUndefined();
    expect(defaultExtractors.integer!(ctx(["four of us"], "party_size", { type: "integer" }, true))).toBe(4);
    expect(defaultExtractors.boolean!(ctx(["no, not really"], "new_patient", { type: "boolean" }, true))).toBe(false);
    expect(defaultExtractors.boolean!(ctx(["this is an emergency"], "is_emergency", { type: "boolean" }))).toBe(true);
  });

  test("enum: the longest value said wins", () => {
    const e = defaultExtractors.enum!;
    expect(e(ctx(["put me through to after hours support"], "department", { enum: ["support", "after_hours_support", "sales"] }))).toBe("after_hours_support");
    expect(e(ctx(["whatever"], "department", { enum: ["sales"] }))).toBeUndefined();
  });
});

describe("the receptionist's extractors", () => {
  const profile = {
    businessName: "Brightline Solar",
    timeZone: "America/Los_Angeles",
    services: ["cleaning", "check-up", "teeth whitening"],
    facts: [],
    emergencyInstruction: null,
    blockedTopics: [],
    transferTargets: [
      { name: "sales", description: "new systems and quotes" },
      { name: "support", description: "repairs and monitoring" },
      { name: "on_call", description: "the on-call dentist, for dental emergencies" },
    ],
  };
  const departments = { type: "string", enum: ["front_desk", "sales", "support", "billing", "on_call"] };

  test("departments: named, a synonym, a target's description; the on-call line only by name", () => {
    const d = defaultExtractors.enum!;
    expect(d({ ...ctx(["put me through to billing please"], "target", departments), profile })).toBe("billing");
    expect(d({ ...ctx(["I need tech support"], "target", departments), profile })).toBe("support");
    expect(d({ ...ctx(["I'd like a quote"], "department", departments), profile })).toBe("sales");
    expect(d({ ...ctx(["can I talk to the on-call doctor"], "target", departments), profile })).toBe("on_call");
    expect(d({ ...ctx(["I want to talk to the dentist about something"], "target", departments), profile })).toBeUndefined();
    expect(defaultExtractors.department!(ctx(["get me customer service"], "department"))).toBe("customer_service");
  });

  test("urgency: said, implied, or the schema's normal value", () => {
    const u = defaultExtractors.enum!;
    const schema = { type: "string", enum: ["low", "normal", "high", "urgent"] };
    expect(u(ctx(["it's urgent"], "urgency", schema))).toBe("urgent");
    expect(u(ctx(["please call me back as soon as possible"], "urgency", schema))).toBe("urgent");
    expect(u(ctx(["no rush"], "urgency", schema))).toBe("low");
    expect(u(ctx(["it's about my bill"], "urgency", schema))).toBe("normal");
  });

  test("services: the profile's spelling of what the caller named", () => {
    expect(defaultExtractors.service!({ ...ctx(["I need a checkup"], "service"), profile })).toBe("check-up");
    expect(defaultExtractors.service!({ ...ctx(["I'd like my teeth whitening done"], "service"), profile })).toBe("teeth whitening");
    expect(defaultExtractors.service!({ ...ctx(["tomorrow at 3"], "service"), profile })).toBeUndefined();
  });

  test("rescheduling: the appointment the caller has and the one they want", () => {
    const said = ["I have an appointment on Friday but can we move it to Monday at 10?"];
    expect(defaultExtractors.old_date!(ctx(said, "old_date"))).toBe("2026-03-13");
    expect(defaultExtractors.new_date!(ctx(said, "new_date"))).toBe("2026-03-16");
    expect(defaultExtractors.new_time!(ctx(said, "new_time"))).toBe("10:00");
    expect(defaultExtractors.old_time!(ctx(said, "old_time"))).toBeUndefined();
    // Said in answer to "when would you like instead?", an unmarked day is the new one.
    expect(defaultExtractors.new_date!({ ...ctx(["Thursday at 2"], "new_date"), question: "What day would you like instead?" })).toBe("2026-03-12");
    expect(defaultExtractors.old_date!({ ...ctx(["Thursday at 2"], "old_date"), question: "What day would you like instead?" })).toBeUndefined();
  });

  test("phones said as words: plus one, teens and tens, hundreds", () => {
    const phone = defaultExtractors.phone!;
    expect(phone(ctx(["plus one two one two, five five five, oh one nine nine"], "phone"))).toBe("+12125550199");
    expect(phone(ctx(["five five five twelve thirty four"], "phone"))).toBe("5551234");
    expect(phone(ctx(["eight hundred, five five five, two two two two"], "phone"))).toBe("8005552222");
  });

  test("names in lower case after 'my name is', never 'back' from 'call me back'", () => {
    expect(defaultExtractors.name!(ctx(["hi my name is kevin o'brien"], "name"))).toBe("Kevin O'brien");
    expect(defaultExtractors.name!(ctx(["have someone call me back? This is Tom Reyes"], "name"))).toBe("Tom Reyes");
    expect(defaultExtractors.name!(ctx(["do you take insurance"], "name", {}, true))).toBeUndefined();
  });
});
