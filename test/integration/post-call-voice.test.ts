/**
 * Post-call analysis end to end on the embedded default: a simulated caller
 * books a cleaning with the medical-office receptionist by phone; when the
 * call ends, GET /v1/conversations/:id shows the analysis (the caller's name,
 * why they called, the number, the appointment, success) — from the actor's
 * view while the runtime still holds it and from the row after. A restart
 * analyses what the last run left pending; the OpenAPI document shows the
 * analysis's shape.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { conversations } from "../../src/db/schema.ts";
import { createReceptionist, placeCall, routeNumber, startVoiceHarness } from "../support/receptionist-calls.ts";
import type { Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const DID = "+12125550123";

describe("post-call analysis of a receptionist's call", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startVoiceHarness();
    await routeNumber(h, DID, await createReceptionist(h));
  });
  afterAll(async () => {
    await h?.close();
  });

  test("the ended call's analysis is stored and shown; a restart finishes one left pending", async () => {
    const callId = await placeCall(h, DID, "+13105550177", [
      { afterBotMs: 300, say: "Hi, I'd like to book a cleaning next Tuesday at 10 am" },
      { afterBotMs: 300, say: "It's Ann Lee" },
      { afterBotMs: 300, say: "five five five, two three four, seven seven eight eight" },
      { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
      { afterBotMs: 2000, hangup: true },
    ]);
    const conversationId = await until("the conversation", async () => h.sb.conversations.liveConversations().find((c) => c.callId === callId)?.id, 60_000, 50);
    const shown = await until("the analysis", async () => {
      const r = await h.api("GET", `/v1/conversations/${conversationId}`);
      return r.status === 200 && r.body.analysis?.status === "done" ? r.body : null;
    }, 60_000, 50);
    // Still held by the runtime (ended a moment ago) or read from the row: the analysis is the stored one.
    expect(shown.status).toBe("ended");
    // Read before toMatchObject: bun 1.4's toMatchObject leaves its asymmetric matchers in the object it checked.
    const start: string = shown.analysis.appointment?.start;
    expect(shown.analysis).toMatchObject({
      status: "done",
      caller_name: "Ann Lee",
      reason: "book a cleaning",
      callback_number: "+15552347788",
      appointment: { start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T10:00$/), service: "cleaning" },
      success: true,
      error: null,
    });
    expect(shown.analysis.summary).toContain("Ann Lee");
    const appointments = await h.api("GET", "/v1/appointments");
    expect(appointments.body.appointments[0].starts_at).toBeDefined();
    // The local date of the booked row is the analysis's.
    const booked = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date(appointments.body.appointments[0].starts_at));
    expect(start.slice(0, 10)).toBe(booked);
    // The list shows it too.
    const listed = await h.api("GET", `/v1/conversations?call_id=${callId}`);
    expect(listed.body.conversations[0].analysis).toMatchObject({ status: "done", caller_name: "Ann Lee" });

    // The OpenAPI document describes the analysis.
    const doc = (await fetch(`${h.sb.url}/docs/json`).then((r) => r.json())) as any;
    const schema = doc.paths["/v1/conversations/{id}"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(schema.properties.analysis.anyOf?.[0]?.properties ?? schema.properties.analysis.properties)).toContain("caller_name");

    // As if the last run died mid-analysis: pending again, nothing stored. The next start analyses it.
    const db = () => h.sb.database.db;
    await db().update(conversations).set({ analysisStatus: "pending", analysis: null, analyzedAt: null }).where(eq(conversations.id, conversationId));
    await h.restart();
    const redone = await until("the analysis after the restart", async () => {
      const [row] = await db().select().from(conversations).where(eq(conversations.id, conversationId));
      return row?.analysisStatus === "done" ? row : null;
    }, 60_000, 50);
    expect(redone.analysis).toMatchObject({ callerName: "Ann Lee", callbackNumber: "+15552347788", success: true });
  }, 120_000);
});
