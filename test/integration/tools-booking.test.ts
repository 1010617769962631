/**
 * The appointment tools against both databases (PGlite and the machine's
 * PostgreSQL): availability within the bookable hours, lead time and horizon,
 * in the business's timezone and across a DST change; booking; the race —
 * 20 callers booking one slot at once, exactly one wins and the rest hear it
 * was just taken with alternatives; cancelling and rescheduling the caller's
 * own appointment (atomically); sandbox rows never mixing with real ones.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { templateById } from "../../machines/flows/index.ts";
import type { ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { runReceptionistTool, type ReceptionistToolContext, type ToolResult } from "../../src/ai/tools/index.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import {
  AppointmentGoneError,
  bookedAppointments,
  cancelAppointment,
  getAppointment,
  insertAppointment,
  listAppointments,
  rescheduleAppointment,
  SlotTakenError,
} from "../../src/db/queries/appointments.ts";
import { createReceptionist } from "../../src/db/queries/receptionists.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const dental = templateById("medical-office")!.definition; // New York; 30-minute slots 08–12, 13–17 weekdays, Sat 09–13; 2 h lead, 60 days

// Monday 9 March 2026, 10:00 in New York (EDT since the 8th).
const NOW = new Date("2026-03-09T14:00:00Z");
const TUESDAY = "2026-03-10";

function variant(patch: (d: ReceptionistDefinition) => void): ReceptionistDefinition {
  const d = structuredClone(dental) as ReceptionistDefinition;
  patch(d);
  return d;
}

const content = (r: ToolResult) => JSON.parse(r.content) as Record<string, any>;

for (const kind of ["pglite", "postgres"] as const) {
  describe(`appointment tools on ${kind}`, () => {
    let database: Database;
    let opened: TestDatabase | undefined;

    beforeAll(async () => {
      opened = await openTestDatabase(kind, { maxConnections: 24 });
      database = opened.database;
      if (kind === "postgres") {
        // Open every pooled connection now, so the racing callers below run on 20 connections at once
        // rather than queueing behind connection set-up.
        await Promise.all(Array.from({ length: 24 }, () => database.db.execute(sql`select pg_sleep(0.05)`)));
      }
    });
    afterAll(async () => {
      await opened?.close();
    });

    /** A fresh receptionist (its own calendar) and a way to run its tools as one caller. */
    async function receptionist(definition: ReceptionistDefinition = dental, opts: { sandbox?: boolean; now?: Date } = {}) {
      const row = await createReceptionist(database.db, { name: definition.name, definition });
      const ctx = (over: Partial<ReceptionistToolContext> = {}): ReceptionistToolContext => ({
        db: database.db,
        receptionist: { id: row.id, version: row.version, definition },
        conversationId: "conv-test",
        callId: "call-test",
        now: opts.now ?? NOW,
        sandbox: opts.sandbox ?? false,
        ...over,
      });
      const run = (name: string, args: unknown, over: Partial<ReceptionistToolContext> = {}) => runReceptionistTool(name, ctx(over), args);
      return { id: row.id, ctx, run };
    }

    describe("check_availability", () => {
      test("a whole free day: every slot of the bookable hours, a spread of them offered, in local time", async () => {
        const r = await receptionist();
        const result = await r.run("check_availability", { date: TUESDAY });
        expect(result.ok).toBe(true);
        const free = (result.data as any).free as Array<{ time: string; startsAt: string }>;
        expect(free).toHaveLength(16);
        expect(free[0]).toMatchObject({ time: "08:00", startsAt: "2026-03-10T12:00:00.000Z" });
        const c = content(result);
        expect(c).toMatchObject({ date: TUESDAY, day: "Tuesday, March 10", timezone: "America/New_York", slot_minutes: 30, more_free_that_day: 10 });
        expect(c.available).toHaveLength(6);
        expect(c.available[0]).toEqual({ time: "08:00", spoken: "8 AM" });
        expect(c.available.at(-1)).toEqual({ time: "16:30", spoken: "4:30 PM" });
      });

      test("booked slots are not free; a preferred time gets its nearest free neighbours", async () => {
        const r = await receptionist();
        for (const [time, phone] of [["09:00", "617 555 0100"], ["09:30", "617 555 0101"]]) {
          expect((await r.run("book_appointment", { date: TUESDAY, time, name: `Caller ${time}`, phone })).ok).toBe(true);
        }
        const result = await r.run("check_availability", { date: TUESDAY, time: "09:00" });
        expect((result.data as any).free.map((s: any) => s.time)).not.toContain("09:00");
        const c = content(result);
        expect(c.requested_time_free).toBe(false);
        expect(c.available.map((s: any) => s.time)).toEqual(["08:00", "08:30", "10:00"]);
      });

      test("today: only slots after the lead time", async () => {
        const r = await receptionist();
        const free = ((await r.run("check_availability", { date: "2026-03-09" })).data as any).free.map((s: any) => s.time);
        expect(free).toEqual(["13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]); // now 10:00 + 2 h
      });

      test("a closed day, a past day, a fully booked day: the next day with free slots, and why", async () => {
        const r = await receptionist(variant((d) => (d.booking!.bookable_hours = { tuesday: [{ open: "09:00", close: "10:00" }], wednesday: [{ open: "09:00", close: "10:00" }] })));
        const sunday = content(await r.run("check_availability", { date: "2026-03-08" }));
        expect(sunday).toMatchObject({ ok: true, requested_date: "2026-03-08", date: TUESDAY });
        expect(sunday.note).toContain("Sunday, March 8 has passed");
        const monday = content(await r.run("check_availability", { date: "2026-03-16" }));
        expect(monday).toMatchObject({ requested_date: "2026-03-16", date: "2026-03-17" });
        expect(monday.note).toBe("There are no appointments on Mondays. The next day with free times is Tuesday, March 17.");
        await r.run("book_appointment", { date: TUESDAY, time: "09:00", name: "Ann One", phone: "2025550101" });
        await r.run("book_appointment", { date: TUESDAY, time: "09:30", name: "Ben Two", phone: "2025550102" });
        const full = content(await r.run("check_availability", { date: TUESDAY }));
        expect(full).toMatchObject({ requested_date: TUESDAY, date: "2026-03-11", available: [{ time: "09:00" }, { time: "09:30" }] });
        expect(full.note).toBe("Tuesday, March 10 is fully booked. The next day with free times is Wednesday, March 11.");
      });

      test("beyond the horizon is refused with the last bookable date", async () => {
        const r = await receptionist();
        const result = await r.run("check_availability", { date: "2026-06-01" });
        expect(result).toMatchObject({ ok: false, refusal: "not_bookable" });
        expect(content(result)).toMatchObject({ last_bookable_date: "2026-05-08" });
      });

      test("booking past the horizon says until when, and offers nothing it cannot book", async () => {
        const r = await receptionist();
        const result = await r.run("book_appointment", { date: "2026-06-01", time: "09:00", name: "Far Ahead", phone: "2025550143" });
        expect(result).toMatchObject({ ok: false, refusal: "not_bookable" });
        expect(content(result)).toMatchObject({ error: "Appointments can be booked up to 60 days ahead, until Friday, May 8.", available: [] });
      });

      test("a date that is not on the calendar is named", async () => {
        const r = await receptionist();
        expect(content(await r.run("check_availability", { date: "2026-02-30" })).error).toBe('"2026-02-30" is not a date on the calendar.');
      });

      test("the business's day, not UTC's: 22:30 on Monday in Los Angeles, Tuesday's 8 AM is 15:00 UTC", async () => {
        const r = await receptionist(variant((d) => (d.business.timezone = "America/Los_Angeles")), { now: new Date("2026-03-10T05:30:00Z") });
        const result = await r.run("check_availability", { date: TUESDAY });
        expect((result.data as any).free[0]).toMatchObject({ time: "08:00", startsAt: "2026-03-10T15:00:00.000Z" });
        expect(content(result).available[0]).toEqual({ time: "08:00", spoken: "8 AM" });
      });

      test("across the spring-forward night: no slot in the skipped hour, and booking one is refused", async () => {
        const allSunday = variant((d) => {
          d.booking!.bookable_hours = { sunday: [{ open: "00:00", close: "06:00" }] };
          d.booking!.slot_minutes = 60;
          d.booking!.lead_time_minutes = 0;
        });
        const r = await receptionist(allSunday, { now: new Date("2026-03-06T12:00:00Z") });
        const free = ((await r.run("check_availability", { date: "2026-03-08" })).data as any).free;
        expect(free.map((s: any) => s.time)).toEqual(["00:00", "01:00", "03:00", "04:00", "05:00"]);
        expect(free.map((s: any) => s.startsAt)).toEqual([
          "2026-03-08T05:00:00.000Z",
          "2026-03-08T06:00:00.000Z",
          "2026-03-08T07:00:00.000Z",
          "2026-03-08T08:00:00.000Z",
          "2026-03-08T09:00:00.000Z",
        ]);
        const gap = await r.run("book_appointment", { date: "2026-03-08", time: "02:00", name: "Night Owl", phone: "2025550199" });
        expect(gap).toMatchObject({ ok: false, refusal: "not_bookable" });
        expect(content(gap).error).toContain("2 AM does not exist on Sunday, March 8: the clocks go forward that night.");
        const three = await r.run("book_appointment", { date: "2026-03-08", time: "03:00", name: "Night Owl", phone: "2025550199" });
        expect((three.data as any).appointment).toMatchObject({ startsAt: "2026-03-08T07:00:00.000Z", endsAt: "2026-03-08T08:00:00.000Z" });
      });

      test("a receptionist without booking settings says so", async () => {
        const r = await receptionist(templateById("general-business")!.definition);
        expect(await r.run("check_availability", { date: TUESDAY })).toMatchObject({ ok: false, refusal: "not_offered" });
      });
    });

    describe("book_appointment", () => {
      test("books the slot: E.164 phone, the conversation, local time read back", async () => {
        const r = await receptionist();
        const result = await r.run("book_appointment", { date: "2026-03-24", time: "10:30", name: " Maria Lopez ", phone: "555-234-7788", service: "cleaning" });
        expect(result).toMatchObject({ ok: true, refusal: null });
        const c = content(result);
        expect(c).toMatchObject({ date: "2026-03-24", time: "10:30", spoken: "Tuesday, March 24 at 10:30 AM", name: "Maria Lopez", phone: "(555) 234-7788", duration_minutes: 30 });
        expect(c.message).toBe("Maria Lopez is now booked for cleaning on Tuesday, March 24 at 10:30 AM.");
        expect(result.content).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no internal id for the model to read out
        const row = await getAppointment(database.db, (result.data as any).appointment.id);
        expect(row).toMatchObject({
          receptionistId: r.id,
          name: "Maria Lopez",
          phone: "+15552347788",
          service: "cleaning",
          status: "booked",
          conversationId: "conv-test",
          sandbox: false,
          startsAt: new Date("2026-03-24T14:30:00Z"),
          endsAt: new Date("2026-03-24T15:00:00Z"),
        });
      });

      test("the same caller booking the same slot again (a retried call) is told it is booked; nothing doubles", async () => {
        const r = await receptionist();
        const args = { date: TUESDAY, time: "11:00", name: "Dave Kowalski", phone: "555 867 5309" };
        expect((await r.run("book_appointment", args)).ok).toBe(true);
        const again = await r.run("book_appointment", { ...args, phone: "+1 (555) 867-5309", name: "dave kowalski" });
        expect(again.ok).toBe(true);
        expect((again.data as any).alreadyBooked).toBe(true);
        expect(await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false })).toHaveLength(1);
      });

      test("another caller's slot is taken: refused with the nearest free times", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: TUESDAY, time: "11:00", name: "Dave Kowalski", phone: "555 867 5309" });
        const result = await r.run("book_appointment", { date: TUESDAY, time: "11:00", name: "Ana Ruiz", phone: "202 555 0143" });
        expect(result).toMatchObject({ ok: false, refusal: "slot_taken" });
        const c = content(result);
        expect(c.available.map((s: any) => s.time)).toEqual(["10:00", "10:30", "11:30"]);
        expect(c.error).toBe("Tuesday, March 10 at 11 AM is already taken. The nearest free times are Tuesday, March 10 at 10 AM, 10:30 AM and 11:30 AM.");
      });

      test("off the grid, inside the lead time, or with an unusable phone: refused, nothing stored", async () => {
        const r = await receptionist();
        const off = await r.run("book_appointment", { date: TUESDAY, time: "10:10", name: "A B", phone: "2025550143" });
        expect(off).toMatchObject({ ok: false, refusal: "not_bookable" });
        expect(content(off).error).toStartWith("Appointments on Tuesday, March 10 start every 30 minutes from 8 AM to 11:30 AM and from 1 PM to 4:30 PM; 10:10 AM is not one of them.");
        expect(content(off).available.map((s: any) => s.time)).toEqual(["09:30", "10:00", "10:30"]);
        const soon = await r.run("book_appointment", { date: "2026-03-09", time: "11:00", name: "A B", phone: "2025550143" });
        expect(content(soon).error).toStartWith("Appointments need 2 hours' notice");
        expect(content(soon).available[0]).toMatchObject({ date: "2026-03-09", time: "13:00" });
        const phone = await r.run("book_appointment", { date: TUESDAY, time: "10:00", name: "A B", phone: "867 5309" });
        expect(phone).toMatchObject({ ok: false, refusal: "invalid_phone" });
        expect(content(phone).error).toBe('The phone number "867 5309" can\'t be used: it has no area code.');
        const args = await r.run("book_appointment", { date: TUESDAY, time: "10 am", name: "A B" });
        expect(args).toMatchObject({ ok: false, refusal: "invalid_arguments" });
        expect(await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false })).toHaveLength(0);
      });
    });

    describe("two callers can never book the same slot", () => {
      test("20 concurrent book_appointment calls for one slot: exactly one booked, 19 told it was taken, with alternatives", async () => {
        const r = await receptionist();
        const callers = Array.from({ length: 20 }, (_, i) => ({
          date: "2026-03-11",
          time: "14:00",
          name: `Caller ${String.fromCharCode(65 + i)} Racer`,
          phone: `+1617555${String(1000 + i)}`,
        }));
        const results = await Promise.all(callers.map((args, i) => r.run("book_appointment", args, { conversationId: `conv-${i}` })));
        const winners = results.filter((x) => x.ok);
        const losers = results.filter((x) => !x.ok);
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(19);
        for (const lost of losers) {
          expect(lost.refusal).toBe("slot_taken");
          const c = content(lost);
          expect(c.error).toMatch(/taken/);
          expect(c.available.length).toBeGreaterThan(0);
          expect(c.available.map((s: any) => s.time)).not.toContain("14:00");
        }
        const booked = await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false });
        expect(booked).toHaveLength(1);
        expect(booked[0]!.name).toBe((winners[0]!.data as any).appointment.name);
        // Each loser was turned away either by the check before the insert or, having passed it together
        // with the winner, by the database's slot index at the insert (the answer is the same).
        expect(losers.every((x) => typeof (x.data as any).lostRace === "boolean")).toBe(true);
      });

      test("the index itself: 20 concurrent inserts of one slot, one row, 19 SlotTakenError", async () => {
        const r = await receptionist();
        const startsAt = new Date("2026-03-12T18:00:00Z");
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            insertAppointment(database.db, {
              receptionistId: r.id,
              startsAt,
              endsAt: new Date(startsAt.getTime() + 1_800_000),
              name: `Racer ${i}`,
              phone: `+1202555${String(2000 + i)}`,
            }),
          ),
        );
        expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
        const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
        expect(rejected).toHaveLength(19);
        for (const o of rejected) expect(o.reason).toBeInstanceOf(SlotTakenError);
      });

      test("20 callers racing for 4 slots: each slot won exactly once", async () => {
        const r = await receptionist();
        const times = ["08:00", "08:30", "09:00", "09:30"];
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            r.run("book_appointment", { date: "2026-03-13", time: times[i % 4], name: `Caller ${i} Racer`, phone: `+1415555${String(3000 + i)}` }),
          ),
        );
        expect(results.filter((x) => x.ok)).toHaveLength(4);
        const booked = await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false });
        expect(booked.map((b) => b.startsAt.toISOString()).sort()).toEqual([
          "2026-03-13T12:00:00.000Z",
          "2026-03-13T12:30:00.000Z",
          "2026-03-13T13:00:00.000Z",
          "2026-03-13T13:30:00.000Z",
        ]);
      });

      test("a cancelled slot can be booked again", async () => {
        const r = await receptionist();
        const first = await r.run("book_appointment", { date: TUESDAY, time: "15:00", name: "Ann One", phone: "2025550101" });
        await cancelAppointment(database.db, (first.data as any).appointment.id);
        expect((await r.run("book_appointment", { date: TUESDAY, time: "15:00", name: "Ben Two", phone: "2025550102" })).ok).toBe(true);
      });
    });

    describe("cancel_appointment", () => {
      test("finds the caller's appointment by name and number, however they say them, and cancels it", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "555 867 5309", service: "cleaning" });
        const result = await r.run("cancel_appointment", { name: "dave kowalski", phone: "(555) 867-5309" });
        expect(result.ok).toBe(true);
        expect(content(result).message).toBe("Cancelled the appointment on Thursday, March 12 at 2 PM for Dave Kowalski.");
        const row = await getAppointment(database.db, (result.data as any).appointment.id);
        expect(row).toMatchObject({ status: "cancelled", cancelledAt: NOW });
        expect(await r.run("cancel_appointment", { name: "Dave Kowalski", phone: "5558675309" })).toMatchObject({ ok: false, refusal: "not_found" });
      });

      test("the right number with another name finds nothing, and says nothing about whose it is", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "555 867 5309" });
        const result = await r.run("cancel_appointment", { name: "Eve Mallory", phone: "555 867 5309" });
        expect(result).toMatchObject({ ok: false, refusal: "not_found" });
        expect(result.content).not.toContain("Dave");
        expect(result.content).not.toContain("March 12");
      });

      test("two appointments: the model asks which; with the date it cancels that one", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Maria Lopez", phone: "5552347788" });
        await r.run("book_appointment", { date: "2026-03-13", time: "09:00", name: "Maria Lopez", phone: "5552347788" });
        const ambiguous = await r.run("cancel_appointment", { name: "Maria Lopez", phone: "5552347788" });
        expect(ambiguous).toMatchObject({ ok: false, refusal: "ambiguous" });
        expect(content(ambiguous).error).toBe("The caller has 2 appointments that match: Thursday, March 12 at 2 PM and Friday, March 13 at 9 AM.");
        const wrongDay = await r.run("cancel_appointment", { name: "Maria Lopez", phone: "5552347788", date: "2026-03-16" });
        expect(content(wrongDay).error).toBe("There is no appointment for the caller on Monday, March 16; they have Thursday, March 12 at 2 PM and Friday, March 13 at 9 AM.");
        const done = await r.run("cancel_appointment", { name: "Maria Lopez", phone: "5552347788", date: "2026-03-13" });
        expect(content(done)).toMatchObject({ ok: true, date: "2026-03-13", time: "09:00" });
        expect((await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false })).map((b) => b.startsAt.toISOString())).toEqual(["2026-03-12T18:00:00.000Z"]);
      });

      test("past appointments are not cancelled", async () => {
        const r = await receptionist();
        await insertAppointment(database.db, {
          receptionistId: r.id,
          startsAt: new Date("2026-03-06T14:00:00Z"),
          endsAt: new Date("2026-03-06T14:30:00Z"),
          name: "Old Timer",
          phone: "+12025550111",
        });
        expect(await r.run("cancel_appointment", { name: "Old Timer", phone: "2025550111" })).toMatchObject({ ok: false, refusal: "not_found" });
      });
    });

    describe("reschedule_appointment", () => {
      test("moves the appointment: the new slot booked, the old one cancelled, linked", async () => {
        const r = await receptionist();
        const first = await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "5558675309", service: "filling", notes: "left side" });
        const moved = await r.run("reschedule_appointment", { name: "Dave Kowalski", phone: "555-867-5309", new_date: "2026-03-13", new_time: "09:00" }, { conversationId: "conv-2" });
        expect(moved.ok).toBe(true);
        expect(content(moved)).toMatchObject({
          message: "Moved the appointment from Thursday, March 12 at 2 PM to Friday, March 13 at 9 AM.",
          old_date: "2026-03-12",
          old_time: "14:00",
          new_date: "2026-03-13",
          new_time: "09:00",
        });
        const old = await getAppointment(database.db, (first.data as any).appointment.id);
        expect(old?.status).toBe("cancelled");
        const fresh = await getAppointment(database.db, (moved.data as any).booked.id);
        expect(fresh).toMatchObject({ status: "booked", rescheduledFrom: old!.id, service: "filling", notes: "left side", conversationId: "conv-2", startsAt: new Date("2026-03-13T13:00:00Z") });
      });

      test("a taken new slot leaves the old appointment as it was", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "5558675309" });
        await r.run("book_appointment", { date: "2026-03-13", time: "09:00", name: "Ana Ruiz", phone: "2025550143" });
        const result = await r.run("reschedule_appointment", { name: "Dave Kowalski", phone: "5558675309", new_date: "2026-03-13", new_time: "09:00" });
        expect(result).toMatchObject({ ok: false, refusal: "slot_taken" });
        expect(content(result).available.length).toBeGreaterThan(0);
        const booked = await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false });
        expect(booked.map((b) => `${b.name} ${b.startsAt.toISOString()}`)).toEqual(["Dave Kowalski 2026-03-12T18:00:00.000Z", "Ana Ruiz 2026-03-13T13:00:00.000Z"]);
      });

      test("moving within its own time (a longer slot that overlaps itself) is allowed; to the same time changes nothing", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "5558675309" });
        const same = await r.run("reschedule_appointment", { name: "Dave Kowalski", phone: "5558675309", new_date: "2026-03-12", new_time: "14:00" });
        expect(same.ok).toBe(true);
        expect((same.data as any).unchanged).toBe(true);
        const next = await r.run("reschedule_appointment", { name: "Dave Kowalski", phone: "5558675309", new_date: "2026-03-12", new_time: "14:30" });
        expect(next.ok).toBe(true);
        expect(await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false })).toHaveLength(1);
      });

      test("the move is one transaction: if the old appointment is gone, the new slot is not kept", async () => {
        const r = await receptionist();
        const first = await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Dave Kowalski", phone: "5558675309" });
        const oldId = (first.data as any).appointment.id;
        await cancelAppointment(database.db, oldId);
        const attempt = rescheduleAppointment(database.db, oldId, {
          receptionistId: r.id,
          startsAt: new Date("2026-03-13T13:00:00Z"),
          endsAt: new Date("2026-03-13T13:30:00Z"),
          name: "Dave Kowalski",
          phone: "+15558675309",
        });
        await expect(attempt).rejects.toBeInstanceOf(AppointmentGoneError);
        expect(await bookedAppointments(database.db, { receptionistId: r.id, sandbox: false })).toHaveLength(0);
      });

      test("several appointments and no old date: the model asks which one", async () => {
        const r = await receptionist();
        await r.run("book_appointment", { date: "2026-03-12", time: "14:00", name: "Maria Lopez", phone: "5552347788" });
        await r.run("book_appointment", { date: "2026-03-13", time: "09:00", name: "Maria Lopez", phone: "5552347788" });
        const result = await r.run("reschedule_appointment", { name: "Maria Lopez", phone: "5552347788", new_date: "2026-03-16", new_time: "10:00" });
        expect(result).toMatchObject({ ok: false, refusal: "ambiguous" });
        expect(content(result).next_step).toContain('"old_date"');
        const done = await r.run("reschedule_appointment", { name: "Maria Lopez", phone: "5552347788", old_date: "2026-03-12", old_time: "14:00", new_date: "2026-03-16", new_time: "10:00" });
        expect(done.ok).toBe(true);
      });
    });

    describe("sandbox and real appointments never mix", () => {
      test("a sandbox booking does not take the real slot, nor show in real availability, listings or cancels", async () => {
        const r = await receptionist();
        const sandbox = { sandbox: true };
        const fake = await r.run("book_appointment", { date: TUESDAY, time: "10:00", name: "Test Caller", phone: "2025550143" }, sandbox);
        expect(fake.ok).toBe(true);
        expect((fake.data as any).appointment.sandbox).toBe(true);
        // The real calendar still has 10:00 …
        const realFree = ((await r.run("check_availability", { date: TUESDAY })).data as any).free.map((s: any) => s.time);
        expect(realFree).toContain("10:00");
        const sandboxFree = ((await r.run("check_availability", { date: TUESDAY }, sandbox)).data as any).free.map((s: any) => s.time);
        expect(sandboxFree).not.toContain("10:00");
        // … and a real caller books it.
        const real = await r.run("book_appointment", { date: TUESDAY, time: "10:00", name: "Real Caller", phone: "2025550144" });
        expect(real.ok).toBe(true);
        // Neither side can cancel the other's.
        expect((await r.run("cancel_appointment", { name: "Real Caller", phone: "2025550144" }, sandbox)).refusal).toBe("not_found");
        expect((await r.run("cancel_appointment", { name: "Test Caller", phone: "2025550143" })).refusal).toBe("not_found");
        // Listings show one side at a time, the real one by default.
        const listedReal = await listAppointments(database.db, { receptionistId: r.id });
        expect(listedReal.appointments.map((a) => a.name)).toEqual(["Real Caller"]);
        const listedSandbox = await listAppointments(database.db, { receptionistId: r.id, sandbox: true });
        expect(listedSandbox.appointments.map((a) => a.name)).toEqual(["Test Caller"]);
      });
    });

    test("a database that does not answer: the model is told nothing was done, nothing throws", async () => {
      const broken = await openDatabase({ memory: true });
      const row = await createReceptionist(broken.db, { name: "x", definition: dental });
      await broken.close();
      const result = await runReceptionistTool(
        "book_appointment",
        { db: broken.db, receptionist: { id: row.id, version: 1, definition: dental }, conversationId: null, callId: null, now: NOW, sandbox: false },
        { date: TUESDAY, time: "10:00", name: "A B", phone: "2025550143" },
      );
      expect(result).toMatchObject({ ok: false, refusal: "unavailable" });
      expect(content(result).error).toBe("The system did not answer, so nothing was done.");
    });
  });
}
