/**
 * Twenty simulated callers ring one receptionist at once and race for the
 * same four slots (five callers per slot), end to end on the embedded default
 * with the machine's PostgreSQL (real concurrent transactions): exactly one
 * caller wins each slot — one booked row per slot, never two — the losers
 * are told it was just taken, and every one of the twenty conversations ends
 * with its post-call analysis stored (the winners' naming them and their
 * appointment).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq, inArray } from "drizzle-orm";
import { appointments, conversations } from "../../src/db/schema.ts";
import { createReceptionist, placeCall, routeNumber, startVoiceHarness } from "../support/receptionist-calls.ts";
import type { Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const DID = "+12125550123";
const CALLERS = 20;
/** The four times asked for, next Tuesday (bookable in the medical-office template: 08-12, 13-17). */
const SLOTS = [
  { said: "9 am", local: "09:00" },
  { said: "10 am", local: "10:00" },
  { said: "11 am", local: "11:00" },
  { said: "2 pm", local: "14:00" },
];
const FIRST = ["Ann", "Ben", "Cara", "Dan", "Eve", "Finn", "Gail", "Hugo", "Ida", "Jon", "Kim", "Leo", "Mia", "Ned", "Olga", "Paul", "Rosa", "Sam", "Tina", "Vic"];
const DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

const callerName = (i: number) => `${FIRST[i]} Walker`;
/** 555-234-77NN, said in words as callers do. */
const phoneDigits = (i: number) => `55523477${String(i).padStart(2, "0")}`;
const phoneSaid = (i: number) => {
  const d = [...phoneDigits(i)].map((c) => DIGITS[Number(c)]);
  return `${d.slice(0, 3).join(" ")}, ${d.slice(3, 6).join(" ")}, ${d.slice(6).join(" ")}`;
};
const localTime = (at: Date) =>
  new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);

describe("twenty callers at once on one receptionist", () => {
  let h: Harness;
  let receptionistId: string;

  beforeAll(async () => {
    h = await startVoiceHarness({ db: "postgres" });
    receptionistId = await createReceptionist(h);
    await routeNumber(h, DID, receptionistId);
  });
  afterAll(async () => {
    await h?.close();
  });

  test("exactly one wins each slot, and every conversation ends with a stored analysis", async () => {
    const callIds = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) =>
        placeCall(h, DID, `+1310555${String(1000 + i)}`, [
          { afterBotMs: 300, say: `Hi, I'd like to book a cleaning next Tuesday at ${SLOTS[i % SLOTS.length]!.said}` },
          { afterBotMs: 300, say: `It's ${callerName(i)}` },
          { afterBotMs: 300, say: phoneSaid(i) },
          { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
          { afterBotMs: 2000, hangup: true },
        ]),
      ),
    );
    const db = h.sb.database.db;

    // Every conversation ends, and its analysis is stored: done, not failed or skipped.
    const rows = await until(
      "20 conversations with their analyses",
      async () => {
        const found = await db.select().from(conversations).where(inArray(conversations.callId, callIds));
        const settled = found.filter((r) => r.status === "ended" && r.analysisStatus !== null && r.analysisStatus !== "pending");
        return settled.length === CALLERS ? found : null;
      },
      90_000,
      100,
    );
    const byCall = (a: { call: string }, b: { call: string }) => a.call.localeCompare(b.call);
    expect(rows.map((r) => ({ call: r.callId, analysis: r.analysisStatus, error: r.analysisError })).sort(byCall)).toEqual(
      callIds.map((call) => ({ call, analysis: "done" as const, error: null })).sort(byCall),
    );

    // The race: one booked row per slot asked for, and no start is booked twice (the unique index holds).
    const booked = await db
      .select()
      .from(appointments)
      .where(and(eq(appointments.receptionistId, receptionistId), eq(appointments.status, "booked"), eq(appointments.sandbox, false)));
    const starts = booked.map((b) => b.startsAt.getTime());
    expect(new Set(starts).size).toBe(starts.length);
    for (const slot of SLOTS) {
      const winners = booked.filter((b) => localTime(b.startsAt) === `Tuesday ${slot.local}`);
      expect({ slot: slot.local, winners: winners.length }).toEqual({ slot: slot.local, winners: 1 });
    }

    const byConversation = new Map(rows.map((r) => [r.id, r]));
    for (const slot of SLOTS) {
      const winner = booked.find((b) => localTime(b.startsAt) === `Tuesday ${slot.local}`)!;
      const row = byConversation.get(winner.conversationId!);
      expect(row, `the winner of ${slot.local} is one of the twenty`).toBeDefined();
      const i = callIds.indexOf(row!.callId);
      // The winner asked for this slot, and is the caller the row names.
      expect(SLOTS[i % SLOTS.length]!.local).toBe(slot.local);
      expect(winner.name.toLowerCase()).toBe(callerName(i).toLowerCase());
      expect(winner.phone).toBe(`+1${phoneDigits(i)}`);
      // Its analysis names the caller, the number and the appointment it won.
      expect(row!.analysis).toMatchObject({
        callerName: callerName(i),
        callbackNumber: `+1${phoneDigits(i)}`,
        appointment: { start: expect.stringMatching(new RegExp(`T${slot.local}$`)), service: "cleaning" },
        success: true,
      });
    }

    // The losers were told their time was just taken; none of them holds one of the four slots.
    const winnerConversations = new Set(booked.map((b) => b.conversationId));
    const losers = rows.filter((r) => !winnerConversations.has(r.id));
    expect(losers.length).toBe(CALLERS - booked.length);
    for (const loser of losers) {
      const said = loser.transcript.map((e) => `${e.who}: ${e.text}`).join("\n");
      const refused = loser.toolCalls.filter((t) => t.name === "book_appointment").map((t) => JSON.parse(t.result) as { ok: boolean; status?: string });
      expect({ said, refused: refused.some((r) => !r.ok && r.status === "slot_taken") }).toEqual({ said, refused: true });
      expect(loser.analysis!.appointment).toBeNull();
    }

    // The API shows it: GET /v1/conversations/:id carries the analysis.
    const shown = await h.api("GET", `/v1/conversations/${losers[0]?.id ?? rows[0]!.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.analysis).toMatchObject({ status: "done", summary: expect.any(String), success: expect.any(Boolean) });
  }, 150_000);
});
