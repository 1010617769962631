/**
 * The booking grid, without a database: a day's slots from the bookable
 * hours and slot length in the business's timezone, the lead time, the
 * horizon, and the nights the clocks change.
 */
import { describe, expect, test } from "bun:test";
import type { ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { templateById } from "../../machines/flows/index.ts";
import { bookingCalendar, checkSlot, daySlots, gridDescription } from "../../src/ai/tools/booking-calendar.ts";

const dental = templateById("medical-office")!.definition;

function withBooking(patch: Partial<NonNullable<ReceptionistDefinition["booking"]>>, timezone = dental.business.timezone): ReceptionistDefinition {
  const d = structuredClone(dental) as ReceptionistDefinition;
  d.booking = { ...d.booking!, ...patch };
  d.business.timezone = timezone;
  return d;
}

// Monday 9 March 2026, 10:00 in New York (EDT since the 8th).
const NOW = new Date("2026-03-09T14:00:00Z");

describe("a day's slots", () => {
  test("bookable ranges cut into slot-length starts that end by the close, in local time", () => {
    const cal = bookingCalendar(dental, NOW)!;
    const tuesday = daySlots(cal, "2026-03-10");
    expect(tuesday.map((s) => s.time)).toEqual([
      "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
      "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]);
    expect(tuesday[0]!.startsAt.toISOString()).toBe("2026-03-10T12:00:00.000Z");
    expect(tuesday[0]!.endsAt.toISOString()).toBe("2026-03-10T12:30:00.000Z");
    expect(daySlots(cal, "2026-03-08")).toEqual([]); // Sunday: no bookable hours
    expect(gridDescription(cal, "2026-03-10")).toBe("every 30 minutes from 8 AM to 11:30 AM and from 1 PM to 4:30 PM");
  });

  test("a slot that would run past the close is not offered", () => {
    const cal = bookingCalendar(withBooking({ slot_minutes: 50 }), NOW)!;
    // Saturday 09:00–13:00 in 50 minutes: 12:20 would end at 13:10.
    expect(daySlots(cal, "2026-03-14").map((s) => s.time)).toEqual(["09:00", "09:50", "10:40", "11:30"]);
  });

  test("on the spring-forward night the skipped hour has no slots; the day is an hour shorter", () => {
    const allNight = { sunday: [{ open: "00:00", close: "24:00" }] };
    const cal = bookingCalendar(withBooking({ slot_minutes: 60, bookable_hours: allNight, lead_time_minutes: 0 }), new Date("2026-03-01T00:00:00Z"))!;
    const slots = daySlots(cal, "2026-03-08");
    expect(slots).toHaveLength(23);
    expect(slots.map((s) => s.time)).not.toContain("02:00");
    expect(slots[1]!.startsAt.toISOString()).toBe("2026-03-08T06:00:00.000Z"); // 01:00 EST
    expect(slots[2]!.startsAt.toISOString()).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT, an hour later
    const check = checkSlot(cal, "2026-03-08", "02:00");
    expect(check).toMatchObject({ ok: false, problem: "no_such_time" });
  });

  test("on the fall-back night the repeated hour is booked once, at its first occurrence", () => {
    const allNight = { sunday: [{ open: "00:00", close: "24:00" }] };
    const cal = bookingCalendar(withBooking({ slot_minutes: 60, bookable_hours: allNight, lead_time_minutes: 0 }), new Date("2026-10-25T00:00:00Z"))!;
    const slots = daySlots(cal, "2026-11-01");
    expect(slots).toHaveLength(24);
    const one = slots.find((s) => s.time === "01:00")!;
    expect(one.startsAt.toISOString()).toBe("2026-11-01T05:00:00.000Z"); // 01:00 EDT
    const two = slots.find((s) => s.time === "02:00")!;
    expect(two.startsAt.toISOString()).toBe("2026-11-01T07:00:00.000Z"); // 02:00 EST: two hours after 01:00 EDT
    // No two slots start at the same instant.
    expect(new Set(slots.map((s) => s.startsAt.getTime())).size).toBe(24);
  });

  test("a business in Europe changes its clocks on its own dates", () => {
    const cal = bookingCalendar(withBooking({ bookable_hours: { sunday: [{ open: "01:00", close: "04:00" }] }, lead_time_minutes: 0 }, "Europe/London"), new Date("2026-03-20T00:00:00Z"))!;
    // 29 March 2026 in London: 01:00–01:59 does not exist.
    expect(daySlots(cal, "2026-03-29").map((s) => s.time)).toEqual(["02:00", "02:30", "03:00", "03:30"]);
    expect(daySlots(cal, "2026-03-29")[0]!.startsAt.toISOString()).toBe("2026-03-29T01:00:00.000Z");
  });
});

describe("whether a slot can be booked now", () => {
  const cal = bookingCalendar(dental, NOW)!; // lead time 120 minutes, horizon 60 days

  test("on the grid, after the lead time, within the horizon", () => {
    expect(checkSlot(cal, "2026-03-10", "09:30")).toMatchObject({ ok: true, slot: { date: "2026-03-10", time: "09:30" } });
    expect(checkSlot(cal, "2026-03-09", "12:00")).toMatchObject({ ok: false, problem: "off_grid" }); // lunch
    expect(checkSlot(cal, "2026-03-09", "13:00")).toMatchObject({ ok: true }); // three hours ahead
  });

  test("inside the lead time is too soon", () => {
    const check = checkSlot(cal, "2026-03-09", "11:30"); // 1.5 hours ahead, 2 needed
    expect(check).toMatchObject({ ok: false, problem: "too_soon" });
    if (!check.ok) expect(check.message).toBe("Appointments need 2 hours' notice, so Monday, March 9 at 11:30 AM is too soon.");
  });

  test("a past day, a day past the horizon, a closed day, a time off the grid", () => {
    expect(checkSlot(cal, "2026-03-06", "09:00")).toMatchObject({ ok: false, problem: "past" });
    expect(checkSlot(cal, "2026-05-08", "09:00")).toMatchObject({ ok: true }); // today + 60 days
    expect(checkSlot(cal, "2026-05-09", "09:00")).toMatchObject({ ok: false, problem: "beyond_horizon" });
    expect(checkSlot(cal, "2026-03-15", "09:00")).toMatchObject({ ok: false, problem: "closed", message: "There are no appointments on Sundays." });
    expect(checkSlot(cal, "2026-03-10", "09:15")).toMatchObject({ ok: false, problem: "off_grid" });
  });

  test("'today' is the business's date, not UTC's", () => {
    // 23:30 on Monday in New York is already Tuesday in UTC.
    const lateMonday = bookingCalendar(withBooking({ lead_time_minutes: 0 }), new Date("2026-03-10T03:30:00Z"))!;
    expect(lateMonday.today).toBe("2026-03-09");
    expect(checkSlot(lateMonday, "2026-03-10", "08:00")).toMatchObject({ ok: true });
  });

  test("no booking settings: no calendar", () => {
    expect(bookingCalendar(templateById("general-business")!.definition, NOW)).toBeNull();
  });
});
