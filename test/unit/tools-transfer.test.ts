/**
 * transfer_to_human and end_call: the follow-up the conversation performs
 * after its next reply, given only when the target exists and answers now
 * (its hours, in the business's timezone); otherwise the model is told to
 * offer a message.
 */
import { describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import type { ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { runReceptionistTool, type ReceptionistToolContext } from "../../src/ai/tools/index.ts";
import { findTarget, nextOpening } from "../../src/ai/tools/transfer-to-human.ts";
import type { Db } from "../../src/db/client.ts";

const dental = templateById("medical-office")!.definition;
const afterHours = templateById("after-hours")!.definition;

function ctx(now: string, definition: ReceptionistDefinition = dental): ReceptionistToolContext {
  return {
    db: {} as Db, // neither tool touches the database
    receptionist: { id: "00000000-0000-0000-0000-000000000001", version: 3, definition },
    conversationId: "conv-1",
    callId: "call-1",
    now: new Date(now),
    sandbox: false,
  };
}

// Tuesday 10 March 2026, 10:00 in New York (EDT, UTC−4).
const TUESDAY_10AM = "2026-03-10T14:00:00Z";

describe("transfer_to_human", () => {
  test("in hours: a warm transfer to the target's dial string, with its ring timeout and the one-line summary", async () => {
    const result = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), { target: "front_desk", reason: "Maria Lopez asking about her bill" });
    expect(result.ok).toBe(true);
    expect(result.then).toEqual({ type: "transfer", to: "+15550102001", target: "front_desk", warm: true, ringTimeoutS: 20, summary: "Maria Lopez asking about her bill" });
    expect(JSON.parse(result.content)).toMatchObject({ ok: true, target: "front_desk", warm: true });
    expect(result.content).not.toContain("+1555"); // the model has no use for the dial string
  });

  test("a blind target transfers blind", async () => {
    const result = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), { target: "billing" });
    expect(result.then).toMatchObject({ type: "transfer", to: "+15550102002", warm: false, summary: "A caller asking for billing" });
  });

  test("the summary: the model's one line (`reason`), else who calls for whom (one line, clipped)", async () => {
    const withSummary = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), {
      target: "front_desk",
      reason: "Jane Doe, new patient,\n wants to move Tuesday's cleaning",
    });
    expect(withSummary.then).toMatchObject({ summary: "Jane Doe, new patient, wants to move Tuesday's cleaning" });
    const known = await runReceptionistTool("transfer_to_human", { ...ctx(TUESDAY_10AM), callerNumber: "+13105550177" }, { target: "front_desk" });
    expect(known.then).toMatchObject({ summary: "A caller from +13105550177 asking for front desk" });
    const long = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), { target: "front_desk", reason: "x".repeat(500) });
    expect((long.then as { summary: string }).summary).toHaveLength(200);
  });

  test("out of hours (in the business's timezone): no transfer, the model offers a message, and hears when they are back", async () => {
    // 17:30 on Tuesday in New York is 21:30 UTC; the front desk closes at 17:00.
    const result = await runReceptionistTool("transfer_to_human", ctx("2026-03-10T21:30:00Z"), { target: "front_desk" });
    expect(result).toMatchObject({ ok: false, refusal: "out_of_hours" });
    expect(result.then).toBeUndefined();
    const content = JSON.parse(result.content);
    expect(content.error).toBe("front_desk is not available right now; they are back Wednesday, March 11 at 8 AM.");
    expect(content.next_step).toMatch(/take a message/);
  });

  test("hours are read in the business's zone, not UTC: 07:30 in New York is 11:30 UTC and still closed", async () => {
    const early = await runReceptionistTool("transfer_to_human", ctx("2026-03-10T11:30:00Z"), { target: "front_desk" });
    expect(early.refusal).toBe("out_of_hours");
    const open = await runReceptionistTool("transfer_to_human", ctx("2026-03-10T12:00:00Z"), { target: "front_desk" });
    expect(open.ok).toBe(true);
  });

  test("closed all weekend: Saturday afternoon points to Monday morning", async () => {
    // Saturday 14 March, 15:00 EDT: the front desk keeps Saturday 09:00–13:00.
    const result = await runReceptionistTool("transfer_to_human", ctx("2026-03-14T19:00:00Z"), { target: "front_desk" });
    expect(JSON.parse(result.content).available_again).toBe("Monday, March 16 at 8 AM");
  });

  test("a target without hours answers at any time", async () => {
    const result = await runReceptionistTool("transfer_to_human", ctx("2026-03-15T07:00:00Z", afterHours), { target: "on_call" });
    expect(result.then).toEqual({ type: "transfer", to: "+15550104099", target: "on_call", warm: true, ringTimeoutS: 30, summary: "A caller asking for on call" });
  });

  test("an unknown target lists the ones there are", async () => {
    const result = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), { target: "the manager" });
    expect(result).toMatchObject({ ok: false, refusal: "unknown_target" });
    const content = JSON.parse(result.content);
    expect(content.targets).toEqual(["front_desk", "billing", "on_call"]);
    expect(content.next_step).toContain("billing (bills, payments and insurance claims)");
  });

  test("a missing target is an argument problem, not a throw", async () => {
    const result = await runReceptionistTool("transfer_to_human", ctx(TUESDAY_10AM), {});
    expect(result).toMatchObject({ ok: false, refusal: "invalid_arguments" });
    expect(JSON.parse(result.content).error).toContain('"target" is missing');
  });

  test("targets named loosely: case, spaces, a trailing word", () => {
    const targets = dental.transfer_targets;
    expect(findTarget(targets, "Front Desk")?.name).toBe("front_desk");
    expect(findTarget(targets, "billing department")?.name).toBe("billing");
    expect(findTarget(targets, "on-call")?.name).toBe("on_call");
    expect(findTarget(targets, "desk")).toBeNull();
  });

  test("the next opening looks up to a week ahead", () => {
    const hours = { monday: [{ open: "09:00", close: "10:00" }] };
    expect(nextOpening(hours, new Date("2026-03-09T13:30:00Z"), "America/New_York")).toEqual({ date: "2026-03-16", time: "09:00" });
    expect(nextOpening(hours, new Date("2026-03-09T12:30:00Z"), "America/New_York")).toEqual({ date: "2026-03-09", time: "09:00" });
    expect(nextOpening({}, new Date("2026-03-09T12:30:00Z"), "America/New_York")).toBeNull();
  });
});

describe("end_call", () => {
  test("hangs up after the goodbye, with the reason when given", async () => {
    expect((await runReceptionistTool("end_call", ctx(TUESDAY_10AM), { reason: "caller said goodbye" })).then).toEqual({ type: "hang_up", reason: "caller said goodbye" });
    const bare = await runReceptionistTool("end_call", ctx(TUESDAY_10AM), {});
    expect(bare.then).toEqual({ type: "hang_up" });
    expect(JSON.parse(bare.content).next_step).toMatch(/goodbye/);
  });
});

test("an unknown tool name is refused in words", async () => {
  const result = await runReceptionistTool("open_the_pod_bay_doors", ctx(TUESDAY_10AM), {});
  expect(result).toMatchObject({ ok: false, refusal: "invalid_arguments" });
});
