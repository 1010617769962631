/**
 * The post-call analysis's contract: the strict JSON schema sent to the model,
 * the checks its reply must pass (a bad reply is an error naming the field,
 * never a crash), the callback number normalised to E.164, the request built
 * without the bot's prompt, and the simulated model's rule-based answer.
 */
import { describe, expect, test } from "bun:test";
import { ANALYSIS_JSON_SCHEMA, InvalidAnalysisError, parseAnalysis } from "../../src/ai/analysis/schema.ts";
import { analysisMessages, callerSpoke, type AnalysisSource } from "../../src/ai/analysis/prompt.ts";
import { analyseCall } from "../../src/sim/openai/analysis.ts";

const reply = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({
    summary: "Ann Lee booked a cleaning.",
    caller_name: "Ann Lee",
    reason: "book a cleaning",
    callback_number: "(555) 234-7788",
    appointment: { start: "2026-12-01T10:00", service: "cleaning" },
    success: true,
    outcome_reason: "The cleaning was booked.",
    ...patch,
  });

describe("the analysis reply", () => {
  test("a valid reply is stored with the callback number in E.164 and the model named", () => {
    expect(parseAnalysis(reply(), "gpt-4o-mini")).toEqual({
      summary: "Ann Lee booked a cleaning.",
      callerName: "Ann Lee",
      reason: "book a cleaning",
      callbackNumber: "+15552347788",
      appointment: { start: "2026-12-01T10:00", service: "cleaning" },
      success: true,
      outcomeReason: "The cleaning was booked.",
      model: "gpt-4o-mini",
    });
  });

  test("blank strings mean none; a number no plan can dial is dropped, not stored unusable", () => {
    const a = parseAnalysis(reply({ caller_name: "  ", callback_number: "12", appointment: null }), "m");
    expect(a.callerName).toBeNull();
    expect(a.callbackNumber).toBeNull();
    expect(a.appointment).toBeNull();
  });

  test("what fails is named: not JSON, no content, a missing field, a wrong type, an extra field, a bad start", () => {
    const problem = (content: string | null) => {
      try {
        parseAnalysis(content, "m");
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidAnalysisError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(problem("{not json")).toBe("the reply is not JSON");
    expect(problem(null)).toBe("the reply has no content");
    const { success: _s, ...noSuccess } = JSON.parse(reply());
    expect(problem(JSON.stringify(noSuccess))).toContain("success");
    expect(problem(reply({ success: "yes" }))).toContain("success");
    expect(problem(reply({ mood: "happy" }))).toContain("mood");
    expect(problem(reply({ appointment: { start: "next Tuesday", service: null } }))).toContain("appointment.start");
    expect(problem(reply({ summary: "" }))).toContain("summary");
  });

  test("the schema sent is strict: every property required, no others allowed (OpenAI structured outputs)", () => {
    const check = (schema: any, at: string) => {
      if (!schema || typeof schema !== "object") return;
      for (const [i, branch] of (schema.anyOf ?? []).entries()) check(branch, `${at}.anyOf[${i}]`);
      const types = [schema.type].flat();
      if (types.includes("object")) {
        expect({ at, additional: schema.additionalProperties }).toEqual({ at, additional: false });
        expect({ at, required: [...schema.required].sort() }).toEqual({ at, required: Object.keys(schema.properties).sort() });
        for (const [k, v] of Object.entries(schema.properties)) check(v, `${at}.${k}`);
      }
    };
    check(ANALYSIS_JSON_SCHEMA, "schema");
    // The nested appointment object is checked too (through its anyOf with null).
    expect(ANALYSIS_JSON_SCHEMA.properties.appointment.anyOf[0].required).toEqual(["start", "service"]);
  });
});

describe("the analysis request", () => {
  const source: AnalysisSource = {
    outcome: "completed",
    endCause: "NORMAL_CLEARING",
    flowPath: [{ node: "greeting", via: null }, { node: "wrap_up", via: "book_appointment" }],
    transcript: [
      { who: "bot", text: "Thank you for calling.", startedAt: null, endedAt: null, interrupted: false },
      { who: "caller", text: "I'd like to book a cleaning", startedAt: null, endedAt: null, interrupted: false },
    ],
    toolCalls: [],
  };

  test("our instructions and the call as JSON; no system prompt of the bot's", () => {
    const [system, user] = analysisMessages(source);
    expect(system!.role).toBe("system");
    expect(system!.content).toContain("analyse a finished phone call");
    const call = JSON.parse((user as { content: string }).content);
    expect(call.node_path).toEqual([{ node: "greeting", via: null }, { node: "wrap_up", via: "book_appointment" }]);
    expect(call.transcript).toEqual([
      { who: "bot", text: "Thank you for calling." },
      { who: "caller", text: "I'd like to book a cleaning" },
    ]);
  });

  test("a call the caller never spoke on has nothing to analyse", () => {
    expect(callerSpoke(source)).toBe(true);
    expect(callerSpoke({ ...source, transcript: [source.transcript[0]!] })).toBe(false);
  });
});

describe("the simulated model's analysis", () => {
  const transcript = [
    { who: "caller", text: "Hi, I'd like to book a cleaning next Tuesday at 10 am" },
    { who: "caller", text: "It's Ann Lee" },
  ];
  const booking = {
    name: "book_appointment",
    arguments: JSON.stringify({ date: "2026-12-01", time: "10:00", name: "ann lee", phone: "555 234 7788", service: "cleaning" }),
    outcome: "ok",
    result: JSON.stringify({ ok: true, date: "2026-12-01", time: "10:00", service: "cleaning", name: "Ann Lee" }),
  };
  const taken = {
    name: "book_appointment",
    arguments: booking.arguments,
    outcome: "ok",
    result: JSON.stringify({ ok: false, status: "slot_taken", error: "That time was just taken." }),
  };

  test("a booking: the caller, the number, the appointment, success", () => {
    const a = analyseCall({ transcript, tool_calls: [booking], node_path: [], outcome: "completed" });
    expect(a).toMatchObject({
      caller_name: "Ann Lee",
      callback_number: "555 234 7788",
      appointment: { start: "2026-12-01T10:00", service: "cleaning" },
      reason: "book a cleaning",
      success: true,
    });
    expect(a.summary).toContain("Ann Lee");
  });

  test("a booking cancelled later leaves no appointment; a lost race with nothing booked is no success", () => {
    const cancel = { name: "cancel_appointment", arguments: "{}", outcome: "ok", result: JSON.stringify({ ok: true }) };
    expect(analyseCall({ transcript, tool_calls: [booking, cancel], node_path: [], outcome: null }).appointment).toBeNull();
    const lost = analyseCall({ transcript, tool_calls: [taken], node_path: [], outcome: "completed" });
    expect(lost).toMatchObject({ appointment: null, success: false, caller_name: "Ann Lee" });
    expect(lost.outcome_reason).toContain("taken");
  });

  test("a question answered in the receptionist's own words is a success; one it could not answer is not", () => {
    const hours = [
      { who: "bot", text: "Harbour Dental, good morning." },
      { who: "caller", text: "hi what are your opening hours" },
      { who: "bot", text: "We're open Monday to Friday, 8 AM to 5 PM." },
    ];
    expect(analyseCall({ transcript: hours, tool_calls: [], node_path: [], outcome: "caller_hung_up" })).toMatchObject({ success: true, reason: "hi what are your opening hours" });
    const unknown = [hours[0]!, { who: "caller", text: "do you install in Santa Clara?" }, { who: "bot", text: "I'm sorry, I don't have that information." }];
    expect(analyseCall({ transcript: unknown, tool_calls: [], node_path: [], outcome: "caller_hung_up" }).success).toBe(false);
  });

  test("a message: its reason and callback number", () => {
    const message = {
      name: "take_message",
      arguments: JSON.stringify({ name: "kevin o'brien", callback_number: "617 555 0192", reason: "questions about the estimate" }),
      outcome: "ok",
      result: JSON.stringify({ ok: true, name: "kevin o'brien" }),
    };
    const a = analyseCall({ transcript: [{ who: "caller", text: "Can I leave a message?" }], tool_calls: [message], node_path: [], outcome: "completed" });
    expect(a).toMatchObject({ caller_name: "Kevin O'Brien", reason: "questions about the estimate", callback_number: "617 555 0192", success: true });
  });
});
